using LayerCache.Core.Reports;
using LayerCache.Oci;

namespace LayerCache.Core.Workflows;

/// <summary>
/// What <see cref="InputsShortcut"/> did: taken (restore, build and save reports stand for the run),
/// or not, with the inputs digest to record with the entry this build saves (null when refused).
/// <see cref="Pushes"/> is set when the push was decided without loading the image (every tag unchanged).
/// </summary>
internal sealed record ShortcutAttempt(ShortcutReport Report, Digest? Inputs, RestoreReport? Restore, BuildReport? Build, SaveReport? Save, IReadOnlyList<PushReport>? Pushes = null)
{
    public bool Taken => Report.Taken;
}
