using System.Text;

namespace LayerCache.Docker.Tests;

/// <summary>
/// The engine is picked as the docker CLI picks it (pure: environment + config files → endpoint).
/// Precedence from docker/cli cli/command/cli.go resolveContextName (master 28f7560): DOCKER_HOST →
/// "default"; else DOCKER_CONTEXT; else config.json currentContext; else "default". TLS variables
/// from cli/flags/options.go; context storage from cli/context/store (meta/&lt;sha256&gt;/meta.json,
/// tls/&lt;sha256&gt;/docker/{ca,cert,key}.pem) and cli/context/docker/load.go.
/// </summary>
public sealed class EndpointResolutionTests : IDisposable
{
    private readonly DirectoryInfo _config = Directory.CreateTempSubdirectory("lc-cfg-");

    public void Dispose() => _config.Delete(recursive: true);

    [Fact]
    public void Nothing_set_is_the_default_socket()
    {
        var endpoint = Resolve(new());
        Assert.Equal(DockerTransport.Unix, endpoint.Transport);
        Assert.Equal("/var/run/docker.sock", endpoint.SocketPath);
        Assert.Null(endpoint.ContextName);
    }

    [Fact]
    public void Docker_host_beats_docker_context_and_current_context()
    {
        WriteContext("ctx", "tcp://10.0.0.1:2375");
        WriteConfig("""{"currentContext": "ctx"}""");
        var endpoint = Resolve(new() { ["DOCKER_HOST"] = "unix:///run/user/1000/docker.sock", ["DOCKER_CONTEXT"] = "ctx" });
        Assert.Equal("/run/user/1000/docker.sock", endpoint.SocketPath);
        Assert.Null(endpoint.ContextName);
    }

    [Fact]
    public void Docker_context_beats_current_context()
    {
        WriteContext("env", "tcp://10.0.0.1:2375");
        WriteContext("current", "tcp://10.0.0.2:2375");
        WriteConfig("""{"currentContext": "current"}""");
        var endpoint = Resolve(new() { ["DOCKER_CONTEXT"] = "env" });
        Assert.Equal("http://10.0.0.1:2375/", endpoint.HttpAddress?.ToString());
        Assert.Equal("env", endpoint.ContextName);
    }

    [Fact]
    public void Current_context_of_config_json_is_used_when_nothing_else_is_set()
    {
        WriteContext("rootless", "unix:///run/user/1000/docker.sock");
        WriteConfig("""{"currentContext": "rootless", "auths": {}}""");
        var endpoint = Resolve(new());
        Assert.Equal("/run/user/1000/docker.sock", endpoint.SocketPath);
        Assert.Equal("tcp", Resolve(new() { ["DOCKER_CONTEXT"] = "default", ["DOCKER_TLS_VERIFY"] = "1", ["DOCKER_CERT_PATH"] = _config.FullName }).Host[..3]);
    }

    [Fact]
    public void Context_named_default_is_docker_host_or_the_default_socket() =>
        Assert.Equal("/var/run/docker.sock", Resolve(new() { ["DOCKER_CONTEXT"] = "default" }).SocketPath);

    [Fact]
    public void Context_tls_bundle_and_skip_verify_are_read()
    {
        WriteContext("tls", "tcp://engine.example:2376", skipVerify: false, tls: ("CA", "CERT", "KEY"));
        var endpoint = Resolve(new() { ["DOCKER_CONTEXT"] = "tls" });
        Assert.Equal("https://engine.example:2376/", endpoint.HttpAddress?.ToString());
        Assert.Equal(("CA", "CERT", "KEY"), (endpoint.Tls?.CaPem, endpoint.Tls?.CertificatePem, endpoint.Tls?.KeyPem));
        Assert.False(endpoint.Tls!.SkipVerify);

        WriteContext("insecure", "tcp://engine.example:2376", skipVerify: true);
        var insecure = Resolve(new() { ["DOCKER_CONTEXT"] = "insecure" });
        Assert.True(insecure.Tls?.SkipVerify);
        Assert.Equal("https", insecure.HttpAddress?.Scheme);
    }

    [Fact]
    public void Context_without_tls_is_plain_http()
    {
        WriteContext("plain", "tcp://engine.example:2375");
        Assert.Null(Resolve(new() { ["DOCKER_CONTEXT"] = "plain" }).Tls);
    }

    [Fact]
    public void Missing_context_is_one_line_naming_it()
    {
        var ex = Assert.Throws<DockerEndpointException>(() => Resolve(new() { ["DOCKER_CONTEXT"] = "nope" }));
        Assert.Contains("docker context \"nope\" does not exist", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Tls_verify_reads_the_cert_path()
    {
        var certs = Directory.CreateDirectory(Path.Combine(_config.FullName, "certs"));
        File.WriteAllText(Path.Combine(certs.FullName, "ca.pem"), "CA");
        File.WriteAllText(Path.Combine(certs.FullName, "cert.pem"), "CERT");
        File.WriteAllText(Path.Combine(certs.FullName, "key.pem"), "KEY");
        var endpoint = Resolve(new() { ["DOCKER_HOST"] = "tcp://docker:2376", ["DOCKER_TLS_VERIFY"] = "1", ["DOCKER_CERT_PATH"] = certs.FullName });
        Assert.Equal("https://docker:2376/", endpoint.HttpAddress?.ToString());
        Assert.Equal(("CA", "CERT", "KEY"), (endpoint.Tls?.CaPem, endpoint.Tls?.CertificatePem, endpoint.Tls?.KeyPem));
        Assert.False(endpoint.Tls!.SkipVerify);
        Assert.DoesNotContain("KEY", endpoint.Tls.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Tls_certificates_default_to_the_config_directory()
    {
        File.WriteAllText(Path.Combine(_config.FullName, "ca.pem"), "CA");
        var endpoint = Resolve(new() { ["DOCKER_HOST"] = "tcp://docker:2376", ["DOCKER_TLS_VERIFY"] = "1" });
        Assert.Equal("CA", endpoint.Tls?.CaPem);
    }

    [Fact]
    public void Docker_tls_without_verify_skips_verification()
    {
        var endpoint = Resolve(new() { ["DOCKER_HOST"] = "tcp://docker:2376", ["DOCKER_TLS"] = "1" });
        Assert.True(endpoint.Tls?.SkipVerify);
    }

    [Fact]
    public void Tls_without_a_host_is_localhost_2376() =>
        Assert.Equal("https://localhost:2376/", Resolve(new() { ["DOCKER_TLS_VERIFY"] = "1" }).HttpAddress?.ToString());

    [Fact]
    public void Plain_docker_host_without_tls_variables_is_http() =>
        Assert.Null(Resolve(new() { ["DOCKER_HOST"] = "tcp://docker:2375" }).Tls);

    [Fact]
    public void Tls_variables_do_not_apply_to_unix_sockets() =>
        Assert.Null(Resolve(new() { ["DOCKER_HOST"] = "unix:///tmp/x.sock", ["DOCKER_TLS_VERIFY"] = "1" }).Tls);

    [Fact]
    public void Context_directory_is_the_sha256_of_the_name() =>
        // echo -n default | sha256sum
        Assert.Equal("37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f", DockerEndpointResolver.ContextDirectoryName("default"));

    [Theory]
    [InlineData("ssh://me@build-host", new[] { "-l", "me", "-o", "ConnectTimeout=30", "-T", "--", "build-host", "docker system dial-stdio" })]
    [InlineData("ssh://build-host:2222", new[] { "-p", "2222", "-o", "ConnectTimeout=30", "-T", "--", "build-host", "docker system dial-stdio" })]
    [InlineData("ssh://me@build-host/run/user/1000/docker.sock", new[] { "-l", "me", "-o", "ConnectTimeout=30", "-T", "--", "build-host", "docker '--host=unix:///run/user/1000/docker.sock' system dial-stdio" })]
    public void Ssh_hosts_run_docker_dial_stdio_as_the_docker_cli_does(string host, string[] arguments)
    {
        // docker/cli cli/connhelper/connhelper.go getConnectionHelper and ssh/ssh.go Spec.args.
        var endpoint = DockerEndpoint.Parse(host);
        Assert.Equal(DockerTransport.Ssh, endpoint.Transport);
        Assert.Equal(arguments, endpoint.Ssh!.CommandArguments());
    }

    [Theory]
    [InlineData("ssh://me:secret@host")]
    [InlineData("ssh://host?x=1")]
    public void Ssh_hosts_with_a_password_or_query_are_refused(string host) =>
        Assert.Throws<FormatException>(() => DockerEndpoint.Parse(host));

    private DockerEndpoint Resolve(Dictionary<string, string> environment)
    {
        environment.TryAdd("DOCKER_CONFIG", _config.FullName);
        return DockerEndpointResolver.Resolve(name => environment.GetValueOrDefault(name));
    }

    private void WriteConfig(string json) => File.WriteAllText(Path.Combine(_config.FullName, "config.json"), json);

    private void WriteContext(string name, string host, bool skipVerify = false, (string Ca, string Cert, string Key)? tls = null)
    {
        var id = DockerEndpointResolver.ContextDirectoryName(name);
        var meta = Directory.CreateDirectory(Path.Combine(_config.FullName, "contexts", "meta", id));
        // The shape `docker context create` writes (checked against docker 28's output).
        var json = "{\"Name\":\"" + name + "\",\"Metadata\":{},\"Endpoints\":{\"docker\":{\"Host\":\"" + host + "\",\"SkipTLSVerify\":" + (skipVerify ? "true" : "false") + "}}}";
        File.WriteAllText(Path.Combine(meta.FullName, "meta.json"), json, new UTF8Encoding(false));
        if (tls is { } files)
        {
            var dir = Directory.CreateDirectory(Path.Combine(_config.FullName, "contexts", "tls", id, "docker"));
            File.WriteAllText(Path.Combine(dir.FullName, "ca.pem"), files.Ca);
            File.WriteAllText(Path.Combine(dir.FullName, "cert.pem"), files.Cert);
            File.WriteAllText(Path.Combine(dir.FullName, "key.pem"), files.Key);
        }
    }
}
