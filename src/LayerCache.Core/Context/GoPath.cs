namespace LayerCache.Core.Context;

/// <summary>Go's <c>path.Clean</c> for slash-separated paths, which .dockerignore patterns go through.</summary>
internal static class GoPath
{
    /// <summary>The shortest equivalent path: no empty or <c>.</c> elements, <c>..</c> resolved lexically.</summary>
    public static string Clean(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }

        // A port of Go's path.Clean: out[0..w) is the result so far, dotdot where backtracking stops.
        var rooted = path[0] == '/';
        var n = path.Length;
        var output = new char[n + 2];
        int w = 0, r = 0, dotdot = 0;
        if (rooted)
        {
            output[w++] = '/';
            r = 1;
            dotdot = 1;
        }

        while (r < n)
        {
            if (path[r] == '/')
            {
                r++;
            }
            else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/'))
            {
                r++;
            }
            else if (path[r] == '.' && path[r + 1] == '.' && (r + 2 == n || path[r + 2] == '/'))
            {
                r += 2;
                if (w > dotdot)
                {
                    w--;
                    while (w > dotdot && output[w] != '/')
                    {
                        w--;
                    }
                }
                else if (!rooted)
                {
                    if (w > 0)
                    {
                        output[w++] = '/';
                    }

                    output[w++] = '.';
                    output[w++] = '.';
                    dotdot = w;
                }
            }
            else
            {
                if ((rooted && w != 1) || (!rooted && w != 0))
                {
                    output[w++] = '/';
                }

                for (; r < n && path[r] != '/'; r++)
                {
                    output[w++] = path[r];
                }
            }
        }

        return w == 0 ? "." : new string(output, 0, w);
    }
}
