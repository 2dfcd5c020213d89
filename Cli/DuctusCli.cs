using Ductus.Cli.Api;
using Ductus.Cli.Commands;
using Ductus.Pipelines;
using Npgsql;

namespace Ductus.Cli;

/// <summary>
/// <c>ductus COMMAND …</c>: finds the command, parses its line, runs it and turns what went wrong
/// into a message and one of the documented <see cref="ExitCodes"/>.
/// </summary>
internal static class DuctusCli
{
    public static readonly IReadOnlyList<Command> Commands =
    [
        SpecCommands.Validate,
        SpecCommands.Run,
        QueryCommand.Definition,
        RunsCommand.Definition,
        RejectsCommand.Definition,
        BackupCommands.Backup,
        BackupCommands.Restore,
    ];

    private const string ExitCodeHelp = "exit codes: 0 ok, 1 failed, 2 usage, 3 no stack / cannot reach it / credentials refused, 4 refused to overwrite\n";

    private static readonly string[] HelpWords = ["help", "--help", "-h"];

    public static async Task<int> RunInConsoleAsync(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl+C cancels cleanly (a run is recorded as cancelled, a backup leaves no manifest).
            e.Cancel = true;
            cancel.Cancel();
        };
        return await RunAsync(args, new CliContext(Console.Out, Console.Error, Environment.GetEnvironmentVariable), cancel.Token);
    }

    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        if (args.Count == 0 || HelpWords.Contains(args[0]))
        {
            var topic = args.Count > 1 ? Find(args[1]) : null;
            await context.Output.WriteAsync(topic is null ? Overview() : Help(topic));
            return args.Count == 0 ? ExitCodes.Usage : ExitCodes.Ok;
        }

        if (Find(args[0]) is not { } command)
        {
            await context.Errors.WriteLineAsync($"ductus: unknown command '{args[0]}'.");
            await context.Errors.WriteAsync(Overview());
            return ExitCodes.Usage;
        }

        var rest = args.Skip(1).ToList();
        if (rest.Exists(a => a is "--help" or "-h"))
        {
            await context.Output.WriteAsync(Help(command));
            return ExitCodes.Ok;
        }

        try
        {
            return await command.RunAsync(CommandLine.Parse(rest, command.Options, command.Flags), context, ct);
        }
        catch (UsageException e)
        {
            await context.Errors.WriteLineAsync($"ductus {command.Name}: {e.Message}");
            await context.Errors.WriteAsync(Help(command));
            return ExitCodes.Usage;
        }
        catch (StackNotFoundException e)
        {
            return await FailAsync(context, command, e.Message, ExitCodes.Unreachable);
        }
        catch (NpgsqlException e) when (e is not PostgresException)
        {
            return await FailAsync(context, command, $"Cannot reach the stack's database: {e.Message}", ExitCodes.Unreachable);
        }
        catch (ApiProblemException e) when (e.Status == 401)
        {
            return await FailAsync(context, command, e.Message, ExitCodes.Unreachable);
        }
        catch (RefusedException e)
        {
            return await FailAsync(context, command, e.Message, ExitCodes.Refused);
        }
        catch (Exception e) when (e is CommandFailedException or ApiProblemException or PostgresException or IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            return await FailAsync(context, command, e.Message, ExitCodes.Failed);
        }
    }

    private static async Task<int> FailAsync(CliContext context, Command command, string message, int code)
    {
        await context.Errors.WriteLineAsync($"ductus {command.Name}: {message}");
        return code;
    }

    private static string Help(Command command) => command.Usage.TrimEnd() + "\n\n" + ExitCodeHelp;

    private static Command? Find(string name) => Commands.FirstOrDefault(c => c.Name == name);

    private static string Overview() =>
        "usage: ductus COMMAND [ARGS] [--help]\n\ncommands:\n"
        + string.Concat(Commands.Select(c => $"  {c.Name,-10} {c.Summary}\n"))
        + "\n" + ExitCodeHelp
        + "`ductus COMMAND --help` shows a command's options.\n";
}
