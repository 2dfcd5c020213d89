namespace Ductus.Tests.Infrastructure;

/// <summary>Where this test build sits: the repository above it and the configuration it was built in.</summary>
public static class Repository
{
    private static readonly DirectoryInfo TestBin = new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));

    /// <summary>The folder holding <c>Solution.sln</c>.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary><c>Debug</c> or <c>Release</c>: what <c>dotnet test</c> built the solution in.</summary>
    public static string Configuration => TestBin.Parent!.Name;

    /// <summary>The target framework folder name (<c>net10.0</c>).</summary>
    public static string Framework => TestBin.Name;

    /// <summary>A project's build output (<c>Project/bin/Configuration/Framework/Project.dll</c>) next to this test build.</summary>
    public static string BuildOutput(string project)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, Framework, project + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the solution first: {path} is missing.", path);
    }

    private static string FindRoot()
    {
        for (var dir = TestBin; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Solution.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No Solution.sln above {TestBin.FullName}.");
    }
}
