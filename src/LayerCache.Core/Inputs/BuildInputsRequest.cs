using LayerCache.Oci;

namespace LayerCache.Core.Inputs;

/// <summary>What <see cref="BuildInputs"/> digests besides the context's files.</summary>
/// <param name="Key">The cache key (Dockerfile, target, builder, platform, build args, key files, base image ids).</param>
/// <param name="Context">The build context directory.</param>
/// <param name="Dockerfile">The Dockerfile path (for the ignore file BuildKit looks for beside it).</param>
/// <param name="BuildKit">Whether the builder is BuildKit (its ignore file, ownership) or classic.</param>
/// <param name="DockerFlags">The docker build flags that reach the build, as given (display-only ones left out).</param>
/// <param name="Environment">The environment (see <see cref="BuildInputs.EnvironmentVariables"/>).</param>
/// <param name="EnginePlatform">The engine's OS and architecture (<c>linux/amd64</c>), or null when unknown.</param>
public sealed record BuildInputsRequest(
    Digest Key,
    string Context,
    string Dockerfile,
    bool BuildKit,
    IReadOnlyList<string> DockerFlags,
    Func<string, string?> Environment,
    string? EnginePlatform);
