using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ductus.Core.Catalog;
using Ductus.Core.Pii;

namespace Ductus.Api.Pii;

/// <summary>
/// The masks of one dataset's PII columns applied to values the Api reads from the catalog rather
/// than through the query engine: rejected rows' values, raw text and messages, and the top values
/// of the reject summary. Each mask gives what the engine's view gives (<see cref="PiiMasks.Sql"/>),
/// so a hashed email in a reject equals the same email hashed in a query; a custom SQL mask, which
/// only the engine can evaluate, reads as null here.
/// </summary>
public sealed partial class PiiValueMask(string salt, IReadOnlyList<PiiColumn> columns)
{
    /// <summary>Masks nothing: for a caller with <c>pii:read</c>, or a dataset without PII.</summary>
    public static PiiValueMask None { get; } = new(string.Empty, []);

    /// <summary>Whether anything is masked: false for a dataset with no PII, where every method returns its input.</summary>
    public bool Masks => columns.Count > 0;

    /// <summary>The column's PII description, if it is one.</summary>
    public PiiColumn? Column(string? name) =>
        name is null ? null : columns.FirstOrDefault(c => string.Equals(c.Column, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>One value as the column's mask shows it; null stays null.</summary>
    public string? Value(PiiColumn column, string? text)
    {
        ArgumentNullException.ThrowIfNull(column);
        if (text is null)
        {
            return null;
        }

        return column.Kind switch
        {
            PiiMaskKind.Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(salt + text))),
            PiiMaskKind.Partial => Partial(column.Classification, text),
            _ => null,
        };
    }

    /// <summary>A rejected row's values (a JSON object) with its PII columns masked.</summary>
    public string? ValuesJson(string? json)
    {
        if (!Masks || json is null || JsonNode.Parse(json) is not JsonObject row)
        {
            return json;
        }

        foreach (var (name, value) in row.ToList())
        {
            if (Column(name) is { } column && value is not null)
            {
                row[name] = Value(column, TextOf(value));
            }
        }

        return row.ToJsonString();
    }

    /// <summary>
    /// Free text that may quote the row's values (its raw line, a rule's message): each PII value
    /// of <paramref name="valuesJson"/> replaced by its mask. Without the values nothing tells
    /// which parts are personal, so the text reads as null.
    /// </summary>
    public string? Text(string? text, string? valuesJson)
    {
        if (!Masks || text is null)
        {
            return text;
        }

        if (valuesJson is null || JsonNode.Parse(valuesJson) is not JsonObject row)
        {
            return null;
        }

        // Longest first, so a value containing another is replaced whole.
        var replacements = row
            .Where(p => p.Value is not null && Column(p.Key) is not null)
            .Select(p => (Text: TextOf(p.Value!), Column: Column(p.Key)!))
            .Where(r => r.Text.Length > 0)
            .OrderByDescending(r => r.Text.Length);
        foreach (var (value, column) in replacements)
        {
            text = text.Replace(value, Value(column, value) ?? "NULL", StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>A stored reject as this mask shows it: values masked, and its raw text and message with the values in them masked.</summary>
    public StoredReject Reject(StoredReject reject)
    {
        ArgumentNullException.ThrowIfNull(reject);
        return !Masks ? reject : reject with
        {
            ValuesJson = ValuesJson(reject.ValuesJson),
            RawText = Text(reject.RawText, reject.ValuesJson),
            Message = Text(reject.Message, reject.ValuesJson) ?? Redacted(reject.Message),
        };
    }

    /// <summary>Text with every quoted SQL literal (where DuckDB and the contract quote a value) shown as <c>'***'</c>; as it is when nothing is masked.</summary>
    public string Redacted(string text) => Masks ? Quoted().Replace(text, "'***'") : text;

    private static string TextOf(JsonNode value) =>
        value.GetValueKind() == System.Text.Json.JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();

    private static string Partial(string classification, string text) => classification switch
    {
        PiiClassification.Email => EmailHint().Replace(text, "$1***$2", 1),
        PiiClassification.Phone or PiiClassification.Iban =>
            text.Length > PiiMasks.PartialTail * 2 ? "***" + text[^PiiMasks.PartialTail..] : "***",
        _ => (text.Length == 0 ? string.Empty : text[..(char.IsSurrogatePair(text, 0) ? 2 : 1)]) + "***",
    };

    // A SQL string literal, '' escapes included.
    [GeneratedRegex("'(?:[^']|'')*'", RegexOptions.CultureInvariant)]
    private static partial Regex Quoted();

    // The engine's regexp_replace(text, '^(.)[^@]*(@.*)?$', '\1***\2'), in .NET's dialect.
    [GeneratedRegex("^(.)[^@]*(@.*)?$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex EmailHint();
}
