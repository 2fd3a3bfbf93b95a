namespace LayerCache.Docker;

/// <summary>
/// TLS for a <c>tcp://</c> engine, as the docker CLI builds it from DOCKER_TLS_VERIFY/DOCKER_TLS and
/// DOCKER_CERT_PATH, or from a context's TLS bundle: PEM text of the CA, the client certificate and
/// its key (each optional), and whether the server certificate is checked at all.
/// </summary>
public sealed record DockerTlsSettings
{
    /// <summary>PEM of the CA(s) the engine's certificate must chain to; null for the system roots.</summary>
    public string? CaPem { get; init; }

    /// <summary>PEM of the client certificate (sent only with a key).</summary>
    public string? CertificatePem { get; init; }

    /// <summary>PEM of the client certificate's private key.</summary>
    public string? KeyPem { get; init; }

    /// <summary>True for DOCKER_TLS without verification (or a context's SkipTLSVerify): any server certificate is accepted.</summary>
    public bool SkipVerify { get; init; }

    /// <summary>Never prints key material (records print every property by default).</summary>
    public override string ToString() =>
        $"DockerTlsSettings {{ Ca = {CaPem is not null}, ClientCertificate = {CertificatePem is not null && KeyPem is not null}, SkipVerify = {SkipVerify} }}";
}
