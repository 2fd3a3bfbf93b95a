namespace LayerCache.Docker.Build;

/// <summary>One <c>docker build</c> flag and what layercache does with it.</summary>
/// <param name="Name">The long name, with dashes: <c>--platform</c>.</param>
/// <param name="Short">The one-letter alias, with its dash (<c>-q</c>), or null.</param>
/// <param name="TakesValue">True when the flag takes a value (<c>--network none</c>), false for a switch (<c>--pull</c>).</param>
/// <param name="Treatment">Where layercache passes it.</param>
/// <param name="FirstClass">True when <c>layercache build</c> has the flag itself, with docker's meaning.</param>
/// <param name="Why">Why it is treated so, for the refusal message and the table.</param>
public sealed record DockerBuildFlag(string Name, string? Short, bool TakesValue, DockerFlagTreatment Treatment, bool FirstClass, string Why);
