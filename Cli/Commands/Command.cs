namespace Ductus.Cli.Commands;

/// <summary>One <c>ductus</c> command: its name, help and what it accepts, and what it does.</summary>
/// <param name="Usage">The help <c>ductus NAME --help</c> prints: synopsis, options, what it writes.</param>
/// <param name="Options">The value options it accepts (without <c>--</c>).</param>
/// <param name="Flags">The switches it accepts.</param>
internal sealed record Command(
    string Name,
    string Summary,
    string Usage,
    IReadOnlyCollection<string> Options,
    IReadOnlyCollection<string> Flags,
    Func<CommandLine, CliContext, CancellationToken, Task<int>> RunAsync);
