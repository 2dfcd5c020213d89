using System.Globalization;

namespace Ductus.Cli;

/// <summary>A command line the user typed wrong: reported with the command's usage, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// One command's arguments: positionals, <c>--name value</c> (or <c>--name=value</c>) options and
/// <c>--flag</c> switches. Each command names what it accepts; anything else is a usage error,
/// so a typo never silently does the default.
/// </summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _options;
    private readonly HashSet<string> _flags;

    private CommandLine(List<string> positional, Dictionary<string, string> options, HashSet<string> flags)
    {
        Positional = positional;
        _options = options;
        _flags = flags;
    }

    public IReadOnlyList<string> Positional { get; }

    /// <summary>Every option given, in <c>--name value</c> form.</summary>
    public IEnumerable<string> OptionArguments => _options.SelectMany(o => new[] { "--" + o.Key, o.Value });

    /// <param name="options">The value options the command accepts (without <c>--</c>).</param>
    /// <param name="flags">The switches it accepts.</param>
    public static CommandLine Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> options, IReadOnlyCollection<string> flags)
    {
        var positional = new List<string>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var switches = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                positional.AddRange(args.Skip(i + 1));
                break;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                positional.Add(arg);
                continue;
            }

            var (name, inline) = arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 0
                ? (arg[2..eq], arg[(eq + 1)..])
                : (arg[2..], null);
            if (flags.Contains(name) && inline is null)
            {
                switches.Add(name);
            }
            else if (options.Contains(name))
            {
                values[name] = inline ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"--{name} needs a value."));
            }
            else
            {
                throw new UsageException($"Unknown option --{name}.");
            }
        }

        return new CommandLine(positional, values, switches);
    }

    public string? Option(string name) => _options.GetValueOrDefault(name);

    public bool Flag(string name) => _flags.Contains(name);

    /// <summary>The option as a whole number in [<paramref name="min"/>, <paramref name="max"/>], or null when absent.</summary>
    public int? Number(string name, int min, int max)
    {
        if (Option(name) is not { } text)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"--{name} must be a whole number from {min} to {max}, not '{text}'.");
    }

    /// <summary>The option when it is one of <paramref name="allowed"/>, <paramref name="fallback"/> when absent.</summary>
    public string Choice(string name, IReadOnlyList<string> allowed, string fallback)
    {
        var value = Option(name) ?? fallback;
        return allowed.Contains(value, StringComparer.Ordinal)
            ? value
            : throw new UsageException($"--{name} must be one of {string.Join(", ", allowed)}, not '{value}'.");
    }

    /// <summary>Exactly one positional per name in <paramref name="names"/>, each named in the error.</summary>
    public void ExpectPositionals(params string[] names)
    {
        if (Positional.Count < names.Length)
        {
            throw new UsageException($"Missing {names[Positional.Count]}.");
        }

        if (Positional.Count > names.Length)
        {
            throw new UsageException($"Unexpected argument '{Positional[names.Length]}'.");
        }
    }
}
