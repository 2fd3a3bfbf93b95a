namespace LayerCache.Dockerfile.Tests;

/// <summary>BuildKit's own parser test files: positive cases must dump exactly, negative ones must fail.</summary>
public class ConformanceTests
{
    public static TheoryData<string> PositiveCases() => Cases("positive");

    public static TheoryData<string> NegativeCases() => Cases("negative");

    [Theory]
    [MemberData(nameof(PositiveCases))]
    public void Positive(string name)
    {
        var dir = Path.Combine(ConformanceData.Directory, "positive", name);
        var text = File.ReadAllText(Path.Combine(dir, "Dockerfile"));
        var expected = File.ReadAllText(Path.Combine(dir, "result"));

        var syntax = DockerfileParser.Parse(text);

        Assert.Equal(expected, syntax.Dump());
    }

    [Theory]
    [MemberData(nameof(NegativeCases))]
    public void Negative(string name)
    {
        var text = File.ReadAllText(Path.Combine(ConformanceData.Directory, "negative", name, "Dockerfile"));

        var error = Assert.Throws<DockerfileException>(() => DockerfileParser.Parse(text));

        Assert.True(error.Line >= 1);
        Assert.StartsWith($"Dockerfile:{error.Line}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Conformance_data_has_every_case()
    {
        Assert.Equal(33, Cases("positive").Count);
        Assert.Equal(4, Cases("negative").Count);
    }

    private static TheoryData<string> Cases(string kind)
    {
        // An empty case list would make the theories vacuously pass, so a missing directory throws.
        var data = new TheoryData<string>();
        foreach (var dir in System.IO.Directory.GetDirectories(Path.Combine(ConformanceData.Directory, kind)).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }
}
