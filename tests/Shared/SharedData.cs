namespace PerceptionEncoder.Testing;

/// <summary>
/// Locates ../shared (reference fixtures of the official implementations and real dataset samples) relative to the
/// repository root. Tests that need it use <see cref="SharedFactAttribute"/> / <see cref="SharedTheoryAttribute"/>,
/// which skip with a clear message where it is absent; nothing of it is copied into the project.
/// </summary>
public static class SharedData
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The ../shared folder beside the repository, or null where it is absent.</summary>
    public static string? Root { get; } = FindShared();

    public static bool Available => Root != null;

    public const string MissingMessage =
        "../shared (reference fixtures and real dataset samples) is not beside this checkout; test skipped.";

    /// <summary>The path of a file or folder under ../shared; the test must be a Shared fact.</summary>
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([Root ?? throw new InvalidOperationException(MissingMessage), .. parts]);

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "PerceptionEncoder.slnx")))
                return dir.FullName;
        throw new InvalidOperationException($"No PerceptionEncoder.slnx above {AppContext.BaseDirectory}.");
    }

    private static string? FindShared()
    {
        string? env = Environment.GetEnvironmentVariable("PE_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return System.IO.Path.GetFullPath(env);
        // A worktree or a clone may sit deeper than the main checkout: look beside every ancestor.
        for (var dir = new DirectoryInfo(RepositoryRoot); dir != null; dir = dir.Parent)
        {
            string candidate = System.IO.Path.Combine(dir.FullName, "shared");
            if (dir.FullName != RepositoryRoot && Directory.Exists(System.IO.Path.Combine(candidate, "fixtures")))
                return candidate;
        }
        return null;
    }
}

/// <summary>A fact that needs ../shared; skipped with a clear message where it is absent.</summary>
public sealed class SharedFactAttribute : FactAttribute
{
    public SharedFactAttribute()
    {
        if (!SharedData.Available) Skip = SharedData.MissingMessage;
    }
}

/// <summary>A theory that needs ../shared; skipped with a clear message where it is absent.</summary>
public sealed class SharedTheoryAttribute : TheoryAttribute
{
    public SharedTheoryAttribute()
    {
        if (!SharedData.Available) Skip = SharedData.MissingMessage;
    }
}

/// <summary>A scratch folder deleted at dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("pe-test-").FullName;

    public string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
