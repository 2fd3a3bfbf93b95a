namespace LayerCache.Store.Tests;

/// <summary>
/// Tests that measure the process's allocated bytes run alone: GC.GetTotalAllocatedBytes counts every
/// thread, so a parallel test in the same assembly would be counted as the stream's allocations.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasurements
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Allocation measurements";
}
