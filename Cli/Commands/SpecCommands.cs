using Ductus.Pipelines;

namespace Ductus.Cli.Commands;

/// <summary>
/// <c>ductus validate</c> and <c>ductus run</c>: the Pipelines service's own parser, validator
/// and engine (<c>PipelinesCli</c>) in this process, so a spec behaves here exactly as in the
/// service, and <c>dotnet run --project Pipelines -- validate|run</c> keeps working unchanged.
/// </summary>
internal static class SpecCommands
{
    public static readonly Command Validate = new(
        "validate",
        "Check a pipeline spec: every error with its path",
        """
        usage: ductus validate SPEC [--source-root DIR]

          SPEC              a pipeline spec (.yaml or .json)
          --source-root DIR where relative source paths resolve (default: the repository's data/)

        Prints "SPEC: valid (…)" and exits 0, or every error with its path and exits 1.
        """,
        ["source-root"],
        [],
        (args, context, ct) => DelegateAsync("validate", args, context, ct));

    public static readonly Command Run = new(
        "run",
        "Run a pipeline spec against the stack and print the run's summary",
        """
        usage: ductus run SPEC [--workspace NAME] [--source-root DIR] [--stack FILE]

          SPEC              a pipeline spec (.yaml or .json)
          --workspace NAME  the workspace to load into (default: default)
          --source-root DIR where relative source paths resolve (default: the repository's data/)
          --stack FILE      the stack file (default: .ductus/stack.json of this repository, or
                            ConnectionStrings__ductus + Ductus__Lake__Root from the environment)

        Runs in this process with the service's engine and commits to the stack's catalog and lake.
        Exits 0 when the run succeeded, 1 when the spec is invalid or the run failed.
        """,
        ["workspace", "source-root", "stack"],
        [],
        (args, context, ct) => DelegateAsync("run", args, context, ct));

    private static Task<int> DelegateAsync(string verb, CommandLine args, CliContext context, CancellationToken ct)
    {
        args.ExpectPositionals("SPEC");
        return PipelinesCli.RunAsync([verb, args.Positional[0], .. args.OptionArguments], context.Output, context.Errors, ct);
    }
}
