"""bench/plot.py: a small SVG line chart (no plotting library on the machine, no internet)."""
from html import escape

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"]


def _ticks(lo, hi, log):
    if log:
        t, out = 1.0, []
        while t < lo: t *= 10
        while t <= hi * 1.0001:
            out.append(t); t *= 10
        return out or [lo, hi]
    span = hi - lo or 1
    step = 10 ** len(str(int(span))) / 10
    for m in (1, 2, 5, 10):
        if span / (step * m) <= 6: step *= m; break
    t, out = (lo // step) * step, []
    while t <= hi + 1e-9:
        if t >= lo - 1e-9: out.append(t)
        t += step
    return out


def line_chart(title, xlabel, ylabel, series, logx=False, logy=False, width=640, height=360):
    """series: [(name, [(x, y), ...])]; returns SVG text."""
    import math
    pts = [(x, y) for _, s in series for x, y in s if y is not None]
    if not pts: return ""
    fx = (lambda v: math.log10(v)) if logx else (lambda v: v)
    fy = (lambda v: math.log10(v)) if logy else (lambda v: v)
    xs = [x for x, _ in pts]; ys = [y for _, y in pts]
    x0, x1 = min(xs), max(xs); y0, y1 = (min(ys) if logy else 0), max(ys) * 1.1
    if logy and y0 <= 0: y0 = min(y for y in ys if y > 0)
    if x0 == x1: x1 = x0 + 1
    L, R, T, B = 70, 180, 40, 50
    W, H = width - L - R, height - T - B
    sx = lambda v: L + (fx(v) - fx(x0)) / ((fx(x1) - fx(x0)) or 1) * W
    sy = lambda v: T + H - (fy(max(v, y0)) - fy(y0)) / ((fy(y1) - fy(y0)) or 1) * H
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
         f'<rect width="{width}" height="{height}" fill="white"/>',
         f'<text x="{L}" y="20" font-size="13" font-weight="bold">{escape(title)}</text>',
         f'<line x1="{L}" y1="{T+H}" x2="{L+W}" y2="{T+H}" stroke="black"/><line x1="{L}" y1="{T}" x2="{L}" y2="{T+H}" stroke="black"/>']
    for t in _ticks(x0, x1, logx):
        o.append(f'<line x1="{sx(t):.1f}" y1="{T+H}" x2="{sx(t):.1f}" y2="{T+H+4}" stroke="black"/><text x="{sx(t):.1f}" y="{T+H+16}" text-anchor="middle">{t:g}</text>')
    for t in _ticks(y0, y1, logy):
        o.append(f'<line x1="{L-4}" y1="{sy(t):.1f}" x2="{L+W}" y2="{sy(t):.1f}" stroke="#ddd"/><text x="{L-6}" y="{sy(t)+4:.1f}" text-anchor="end">{t:g}</text>')
    o.append(f'<text x="{L+W/2}" y="{height-10}" text-anchor="middle">{escape(xlabel)}</text>')
    o.append(f'<text x="15" y="{T+H/2}" text-anchor="middle" transform="rotate(-90 15 {T+H/2})">{escape(ylabel)}</text>')
    for i, (name, s) in enumerate(series):
        c = COLORS[i % len(COLORS)]
        s = [(x, y) for x, y in s if y is not None]
        if not s: continue
        o.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (c, " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in s)))
        o.extend(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{c}"/>' for x, y in s)
        o.append(f'<rect x="{L+W+12}" y="{T+i*18}" width="12" height="3" fill="{c}"/><text x="{L+W+28}" y="{T+i*18+5}">{escape(name)}</text>')
    o.append("</svg>")
    return "\n".join(o)
