namespace LayerCache.Testing;

/// <summary>Throwaway TLS material made by openssl, as an operator would make it for a private registry.</summary>
public static class TestCertificates
{
    private const string OpenSsl = "/usr/bin/openssl";

    /// <summary>
    /// Writes <c>ca.pem</c> (a throwaway CA), and <c>cert.pem</c>/<c>key.pem</c> (a server certificate for
    /// 127.0.0.1 and localhost signed by it) into <paramref name="directory"/>.
    /// </summary>
    public static async Task CreateServerAsync(string directory, CancellationToken cancellationToken)
    {
        if (!File.Exists(OpenSsl))
        {
            throw new InvalidOperationException("TLS test certificates need openssl: apt-get install openssl");
        }

        Directory.CreateDirectory(directory);
        async Task Run(params string[] args) => (await ProcessRunner.RunAsync(OpenSsl, args, cancellationToken)).EnsureSuccess();
        string In(string name) => Path.Combine(directory, name);

        await Run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=layercache test registry CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout", In("ca-key.pem"), "-out", In("ca.pem"));
        await File.WriteAllTextAsync(In("ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n", cancellationToken);
        await Run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", In("key.pem"), "-out", In("req.csr"));
        await Run("x509", "-req", "-days", "2", "-in", In("req.csr"), "-CA", In("ca.pem"), "-CAkey", In("ca-key.pem"),
            "-CAcreateserial", "-CAserial", In("serial"), "-extfile", In("ext.cnf"), "-out", In("cert.pem"));
    }
}
