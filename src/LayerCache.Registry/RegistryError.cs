namespace LayerCache.Registry;

/// <summary>One entry of a distribution error envelope: <c>{"code","message","detail"}</c>.</summary>
/// <param name="Code">The wire code, e.g. <c>MANIFEST_UNKNOWN</c> (registries may send codes outside the spec).</param>
/// <param name="Message">The registry's message, for people.</param>
/// <param name="Detail">The <c>detail</c> value as raw JSON text, or null.</param>
public sealed record RegistryError(string Code, string? Message, string? Detail = null)
{
    /// <summary>The known code, or null when the registry sent one outside the table.</summary>
    public RegistryErrorCode? KnownCode => RegistryErrorCode.Find(Code);

    /// <summary>An entry for a known code with its default message.</summary>
    public static RegistryError From(RegistryErrorCode code, string? message = null, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(code);
        return new RegistryError(code.Name, message ?? code.Message, detail);
    }

    /// <inheritdoc/>
    public override string ToString() => Message is { Length: > 0 } ? $"{Code}: {Message}" : Code;
}
