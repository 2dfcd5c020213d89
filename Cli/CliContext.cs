using Ductus.Core.Contracts;

namespace Ductus.Cli;

/// <summary>
/// What a command runs against: its console, its environment and, on demand, the stack. Tests
/// hand it string writers and their own environment instead of the process's.
/// </summary>
internal sealed class CliContext(TextWriter output, TextWriter errors, Func<string, string?> environment)
{
    public TextWriter Output { get; } = output;

    public TextWriter Errors { get; } = errors;

    public Func<string, string?> Environment { get; } = environment;

    /// <summary>
    /// The stack of <c>--stack FILE</c>, else of the environment or the repository's
    /// <c>.ductus/stack.json</c>; a <see cref="StackNotFoundException"/> when there is none.
    /// </summary>
    public StackInfo Stack(CommandLine args) =>
        StackInfo.Find(args.Option("stack"), Environment)
        ?? throw new StackNotFoundException(args.Option("stack") is { } file
            ? $"There is no stack file {file}."
            : "No stack found: start one with `dotnet run --project AppHost` (it writes .ductus/stack.json), pass --stack FILE, or set ConnectionStrings__ductus and Ductus__Lake__Root.");
}

/// <summary>No stack to act on, or it does not answer: exit code 3.</summary>
internal sealed class StackNotFoundException(string message) : Exception(message);

/// <summary>The command ran and failed for a reason the user can act on: exit code 1, the message printed as is.</summary>
internal sealed class CommandFailedException(string message) : Exception(message);

/// <summary>The command would overwrite something it was not told to: exit code 4.</summary>
internal sealed class RefusedException(string message) : Exception(message);
