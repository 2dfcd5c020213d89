using System.Text.Json;
using System.Text.Json.Nodes;
using Ductus.Core.Query;

namespace Ductus.Core.Models;

/// <summary>A SELECT's parse tree, with every unnamed computed column given the name DuckDB gives it.</summary>
public sealed class SelectTree
{
    private SelectTree(JsonElement? node, string? error)
    {
        Node = node;
        Error = error;
    }

    /// <summary>The statement's query node (json_serialize_sql's <c>statements[0].node</c>); null when it did not parse.</summary>
    public JsonElement? Node { get; }

    /// <summary>Why there is no tree: the statement does not parse, or is not one SELECT.</summary>
    public string? Error { get; }

    /// <summary>Parses <paramref name="sql"/> with the query guard's parser instance (<see cref="GuardParser"/>); nothing is executed.</summary>
    public static SelectTree Parse(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var parser = GuardParser.Shared.Rent();
        try
        {
            var root = JsonNode.Parse(GuardParser.Serialize(parser, sql))!.AsObject();
            if (root["error"]?.GetValue<bool>() == true)
            {
                return new(null, $"the statement does not parse: {root["error_message"]?.GetValue<string>()}");
            }

            if (root["statements"] is not JsonArray { Count: 1 } statements)
            {
                return new(null, "the statement is not one SELECT");
            }

            var node = statements[0]!["node"]!;
            NameComputedColumns(parser, node, JsonNode.Parse(GuardParser.Serialize(parser, "SELECT 1"))!);
            return new(JsonSerializer.SerializeToElement(node), null);
        }
        finally
        {
            GuardParser.Shared.Return(parser);
        }
    }

    /// <summary>
    /// DuckDB names an unaliased computed column by its expression as it renders it
    /// (<c>sum((z + 1))</c>, <c>count_star()</c>); rendering each one alone gives that name
    /// exactly, so a snapshot's column can be matched by name.
    /// </summary>
    private static void NameComputedColumns(DuckDB.NET.Data.DuckDBConnection parser, JsonNode? node, JsonNode template)
    {
        if (node is JsonArray array)
        {
            foreach (var item in array)
            {
                NameComputedColumns(parser, item, template);
            }

            return;
        }

        if (node is not JsonObject obj)
        {
            return;
        }

        if (obj["select_list"] is JsonArray list)
        {
            foreach (var item in list.OfType<JsonObject>())
            {
                var kind = item["class"]?.GetValue<string>();
                if (kind is "COLUMN_REF" or "STAR" || !string.IsNullOrEmpty(item["alias"]?.GetValue<string>()))
                {
                    continue;
                }

                var alone = template.DeepClone();
                alone["statements"]![0]!["node"]!["select_list"] = new JsonArray(item.DeepClone());
                var rendered = GuardParser.Render(parser, alone.ToJsonString());
                item["alias"] = rendered.StartsWith("SELECT ", StringComparison.Ordinal) ? rendered["SELECT ".Length..] : rendered;
            }
        }

        foreach (var (_, value) in obj.ToList())
        {
            NameComputedColumns(parser, value, template);
        }
    }
}
