namespace LayerCache.Docker;

/// <summary>
/// Stored registry credentials could not be read: a credential helper is missing, failed or
/// answered nonsense. The message names the helper and registry, never a secret.
/// </summary>
public class RegistryCredentialsException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RegistryCredentialsException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RegistryCredentialsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public RegistryCredentialsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
