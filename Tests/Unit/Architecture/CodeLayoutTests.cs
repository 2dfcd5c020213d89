using System.Text.RegularExpressions;
using System.Xml.Linq;
using Ductus.Tests.Infrastructure;

namespace Ductus.Tests.Unit.Architecture;

/// <summary>
/// The layout rules of docs/architecture.md, checked on the files themselves so that a change
/// which breaks one fails here instead of in the next reviewer's head.
/// </summary>
public sealed partial class CodeLayoutTests
{
    private static readonly string[] Services = ["Api", "Analytics", "Pipelines", "Migrator"];

    /// <summary>Every production project; Tests, bench and the AppHost are not "production code" for the size rule.</summary>
    private static readonly string[] ProductionProjects = ["Core", "ServiceDefaults", "Cli", .. Services];

    /// <summary>What a service may reference: the shared library and the service defaults, never another service.</summary>
    private static readonly string[] SharedProjects = ["Core", "ServiceDefaults"];

    /// <summary>
    /// Paths the docs name that are not in the repository on purpose: files a user creates, and
    /// what a build or a test run writes.
    /// </summary>
    private static readonly string[] NotCommitted = ["deploy/.env", "web/dist", "Tests/TestResults/screenshots"];

    /// <summary>Repository folders a document may cite a path under.</summary>
    private static readonly string[] CitableRoots =
        ["AppHost", "ServiceDefaults", "Api", "Pipelines", "Analytics", "Core", "Migrator", "Cli", "Tests", "bench", "deploy", "docs", "clients", "pipelines", ".ci", "web", "scripts"];

    [Fact]
    public void Every_path_the_code_map_names_exists()
    {
        var map = Path.Combine(Repository.Root, "docs", "architecture.md");
        var cited = CitedPaths(File.ReadAllText(map)).ToList();

        // A code map that names nothing would pass the check below trivially.
        Assert.True(cited.Count >= 40, $"docs/architecture.md cites only {cited.Count} repository paths.");
        var missing = cited.Where(p => !Exists(p)).ToList();
        Assert.True(missing.Count == 0, "docs/architecture.md names paths that do not exist: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_path_the_docs_and_decisions_name_exists()
    {
        var documents = Directory.EnumerateFiles(Path.Combine(Repository.Root, "docs"), "*.md", SearchOption.AllDirectories)
            .Append(Path.Combine(Repository.Root, "README.md"));
        var missing = (
            from document in documents
            let text = File.ReadAllText(document)
            from path in CitedPaths(text).Concat(LinkedPaths(document, text))
            where !Exists(path)
            select $"{Path.GetRelativePath(Repository.Root, document)}: {path}").ToList();
        Assert.True(missing.Count == 0, "Documents name paths that do not exist:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void No_production_file_is_over_400_lines()
    {
        var tooLong = (
            from project in ProductionProjects
            from file in SourceFiles(project)
            let lines = File.ReadLines(file).Count()
            where lines > 400
            select $"{Path.GetRelativePath(Repository.Root, file)} ({lines} lines)").ToList();
        Assert.True(tooLong.Count == 0, "Split these files: " + string.Join(", ", tooLong));
    }

    [Fact]
    public void ServiceDefaults_references_nothing_of_Ductus()
    {
        var project = XDocument.Load(Path.Combine(Repository.Root, "ServiceDefaults", "ServiceDefaults.csproj"));
        Assert.Empty(project.Descendants("ProjectReference"));
        var usesDuctus = SourceFiles("ServiceDefaults").Where(f => File.ReadAllText(f).Contains("Ductus.", StringComparison.Ordinal));
        Assert.Empty(usesDuctus.Select(f => Path.GetRelativePath(Repository.Root, f)));
    }

    [Fact]
    public void Core_holds_no_hosting_code_and_no_service()
    {
        var project = XDocument.Load(Path.Combine(Repository.Root, "Core", "Core.csproj"));
        Assert.Equal("Microsoft.NET.Sdk", project.Root!.Attribute("Sdk")?.Value);
        Assert.Empty(project.Descendants("FrameworkReference"));
        Assert.Empty(project.Descendants("ProjectReference"));
        var hosting = project.Descendants("PackageReference")
            .Select(p => p.Attribute("Include")!.Value)
            .Where(p => p.StartsWith("Aspire.", StringComparison.Ordinal) || p.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) || p == "Microsoft.Extensions.Hosting");
        Assert.Empty(hosting);
    }

    [Fact]
    public void Services_meet_only_through_Core_never_each_other()
    {
        foreach (var service in Services)
        {
            var project = XDocument.Load(Path.Combine(Repository.Root, service, service + ".csproj"));
            var references = project.Descendants("ProjectReference")
                .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))
                .ToList();
            Assert.All(references, r => Assert.Contains(r, SharedProjects));
        }
    }

    /// <summary>Backticked repository paths of a document (<c>Core/Catalog/RunCatalog.cs</c>).</summary>
    private static IEnumerable<string> CitedPaths(string markdown)
    {
        foreach (Match match in BacktickedPath().Matches(markdown))
        {
            var path = match.Groups["path"].Value;
            // Placeholders and patterns describe a shape, not a file.
            if (path.IndexOfAny(['<', '*', '{', '…', ' ', '$']) < 0 && CitableRoots.Contains(path.Split('/')[0]))
            {
                yield return path.TrimEnd('/');
            }
        }
    }

    /// <summary>Relative Markdown links of a document, as paths from the repository root.</summary>
    private static IEnumerable<string> LinkedPaths(string document, string markdown)
    {
        foreach (Match match in RelativeLink().Matches(markdown))
        {
            var full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document)!, Uri.UnescapeDataString(match.Groups["link"].Value)));
            yield return Path.GetRelativePath(Repository.Root, full);
        }
    }

    private static bool Exists(string path)
    {
        if (NotCommitted.Contains(path))
        {
            return true;
        }

        // A path may carry a line range or a member: Core/Catalog/RunCatalog.cs:40 or …cs#Commit.
        var file = path.Split(':', '#')[0];
        var full = Path.Combine(Repository.Root, file);
        return File.Exists(full) || Directory.Exists(full);
    }

    private static IEnumerable<string> SourceFiles(string project) =>
        Directory.EnumerateFiles(Path.Combine(Repository.Root, project), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    [GeneratedRegex(@"`(?<path>\.?[A-Za-z][A-Za-z0-9_.-]*/[^`]*)`", RegexOptions.CultureInvariant)]
    private static partial Regex BacktickedPath();

    [GeneratedRegex(@"\]\((?!https?:|mailto:|#)(?<link>[^)#\s]+)", RegexOptions.CultureInvariant)]
    private static partial Regex RelativeLink();
}
