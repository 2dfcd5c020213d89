namespace Ductus.Cli.Commands;

/// <summary>The help text the commands that call the Api share.</summary>
internal static class ApiHelp
{
    public const string Options = """

          --api URL        the Api (default: DUCTUS_API_URL, else the stack file's)
          --client-id ID   the API key's client id (default: DUCTUS_CLIENT_ID, else admin); its secret
                           comes from DUCTUS_CLIENT_SECRET, or the stack file for admin; DUCTUS_TOKEN
                           gives a bearer token instead
          --stack FILE     the stack file (default: .ductus/stack.json of this repository)
        """;
}
