namespace LayerCache.EndToEnd.Tests;

/// <summary>
/// A copy of <c>examples/multistage</c> that a test may edit: stages base, compile-backend,
/// compile-frontend, compiled and runtime; the runtime target needs all but compiled.
/// </summary>
internal sealed class ExampleApp
{
    /// <summary>The stages the default target (runtime) needs, in build order.</summary>
    public static readonly IReadOnlyList<string> TargetStages = ["base", "compile-backend", "compile-frontend", "runtime"];

    /// <summary>
    /// The stages the classic builder executes for the default target, in file order: every stage up
    /// to the target, "compiled" too though runtime does not need it; all of them are cached.
    /// </summary>
    public static readonly IReadOnlyList<string> ClassicStages = ["base", "compile-backend", "compile-frontend", "compiled", "runtime"];

    /// <summary>The stages <paramref name="builder"/> (<c>classic</c> or <c>buildkit</c>) executes, so caches, for the default target.</summary>
    public static IReadOnlyList<string> ExecutedStages(string builder) => builder == "classic" ? ClassicStages : TargetStages;

    private ExampleApp(string directory) => Directory = directory;

    public string Directory { get; }

    /// <summary>backend/main.txt, the "source file" whose content the app prints.</summary>
    public string BackendSource => Path.Combine(Directory, "backend", "main.txt");

    public static ExampleApp CopyTo(string directory)
    {
        Copy(Repository.ExampleApp, directory);
        return new ExampleApp(directory);
    }

    /// <summary>
    /// A commit that edits backend/main.txt: the first line is what the app prints, the rest pads
    /// the file so that the changed layers are big enough to tell them apart from metadata.
    /// </summary>
    public void CommitBackend(string version, int paddingBytes)
    {
        var padding = new System.Text.StringBuilder();
        var line = 0;
        while (padding.Length < paddingBytes)
        {
            padding.Append(System.Globalization.CultureInfo.InvariantCulture, $"// {version} source line {line++}: lorem ipsum dolor sit amet\n");
        }

        File.WriteAllText(BackendSource, $"backend version {version}\n{padding}");
    }

    /// <summary>Copies a directory tree.</summary>
    public static void Copy(string source, string destination)
    {
        System.IO.Directory.CreateDirectory(destination);
        foreach (var dir in System.IO.Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            System.IO.Directory.CreateDirectory(Path.Combine(destination, Path.GetRelativePath(source, dir)));
        }

        foreach (var file in System.IO.Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(destination, Path.GetRelativePath(source, file)));
        }
    }
}
