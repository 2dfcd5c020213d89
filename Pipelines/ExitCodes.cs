namespace Ductus.Pipelines;

/// <summary>
/// The exit codes of the command-line tools (<c>ductus</c> and <c>Pipelines validate|run</c>),
/// documented in docs/operations.md#cli-reference; scripts branch on them, so they never change meaning.
/// </summary>
public static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Ok = 0;

    /// <summary>The command ran and failed: an invalid spec, a failed run, a refused query, a bad checksum.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong: an unknown command or option, a missing or malformed argument.</summary>
    public const int Usage = 2;

    /// <summary>No stack to talk to: none found, its database or Api does not answer, or it refused the credentials.</summary>
    public const int Unreachable = 3;

    /// <summary>The command would overwrite something and was not told to (<c>restore</c> into a non-empty stack without <c>--force</c>, <c>backup</c> into a non-empty folder).</summary>
    public const int Refused = 4;
}
