using System.Globalization;
using System.Text.Json;
using Ductus.Core.DataContracts;
using Ductus.Core.Specs;

namespace Ductus.Api.Features.Runs.WhatIf;

/// <summary>The outcome of editing one rule: the edited contract, or why the edit is refused and which request field is at fault.</summary>
public sealed record RuleEditResult(ContractSpec? Contract, string? Field, string? Error)
{
    public static RuleEditResult Refused(string field, string error) => new(null, field, error);
}

/// <summary>
/// A contract with one rule's parameter replaced, written as text the way
/// <see cref="ContractRules.DefinitionOf"/> shows it: <c>true</c>/<c>false</c> for required and
/// unique, a type name, a bound, a pattern, a JSON array of strings for accepted values and for
/// <c>unique_key</c>'s columns, a whole number for max_length, a SQL boolean expression for a row
/// rule. An empty or missing definition removes the rule. The edited contract then goes through
/// the spec validator's own contract checks.
/// </summary>
public static class RuleEdit
{
    public static RuleEditResult Apply(ContractSpec contract, string rule, string? definition)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(rule);
        var known = ContractRules.List(contract).FirstOrDefault(r => r.Name == rule);
        if (known is null)
        {
            return rule == ContractRules.Parse
                ? RuleEditResult.Refused("rule", "parse failures cannot be re-checked: their rows never became columns")
                : RuleEditResult.Refused("rule", $"'{rule}' is not a rule of the contract the run used (it has: {string.Join(", ", ContractRules.List(contract).Select(r => r.Name))})");
        }

        var text = string.IsNullOrWhiteSpace(definition) ? null : definition.Trim();
        string? problem = null;
        var edited = known.Check switch
        {
            ContractRules.RowRule => contract with
            {
                Rules = text is null
                    ? [.. contract.Rules.Where(r => r.Name != rule)]
                    : [.. contract.Rules.Select(r => r.Name == rule ? r with { Sql = text } : r)],
            },
            ContractRules.UniqueKey => List(text, ref problem) is { } key ? contract with { UniqueKey = key } : null,
            _ => EditColumn(contract, known, text, ref problem),
        };
        if (edited is null)
        {
            return RuleEditResult.Refused("definition", problem ?? "is not valid for this rule");
        }

        var errors = new List<string>();
        SpecValidator.ValidateContract(edited, (path, message) => errors.Add($"{path} {message}"));
        return errors.Count > 0 ? RuleEditResult.Refused("definition", string.Join("; ", errors)) : new RuleEditResult(edited, null, null);
    }

    private static ContractSpec? EditColumn(ContractSpec contract, ContractRule rule, string? text, ref string? problem)
    {
        var column = contract.Columns.First(c => c.Name == rule.Column);
        ColumnContract? changed;
        switch (rule.Check)
        {
            case "required":
                changed = Flag(text, ref problem) is { } required ? column with { Required = required } : null;
                break;
            case "unique":
                changed = Flag(text, ref problem) is { } unique ? column with { Unique = unique } : null;
                break;
            case "type":
                changed = column with { Type = text };
                break;
            case "min":
                changed = column with { Min = text };
                break;
            case "max":
                changed = column with { Max = text };
                break;
            case "pattern":
                changed = column with { Pattern = text };
                break;
            case "max_length":
                if (text is null)
                {
                    changed = column with { MaxLength = null };
                }
                else if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
                {
                    changed = column with { MaxLength = length };
                }
                else
                {
                    problem = $"max_length must be a whole number, not '{text}'";
                    changed = null;
                }

                break;
            default:
                changed = List(text, ref problem) is { } accepted ? column with { AcceptedValues = accepted.Count == 0 ? null : accepted } : null;
                break;
        }

        return changed is null ? null : contract with { Columns = [.. contract.Columns.Select(c => c.Name == column.Name ? changed : c)] };
    }

    private static bool? Flag(string? text, ref string? problem)
    {
        switch (text?.ToLowerInvariant())
        {
            case null or "false":
                return false;
            case "true":
                return true;
            default:
                problem = $"must be true or false, not '{text}'";
                return null;
        }
    }

    /// <summary>A JSON array of strings (numbers and booleans are taken as written); empty for no text.</summary>
    private static List<string>? List(string? text, ref string? problem)
    {
        if (text is null)
        {
            return [];
        }

        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind == JsonValueKind.Array
                && json.RootElement.EnumerateArray().All(e => e.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
            {
                return [.. json.RootElement.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText())];
            }
        }
        catch (JsonException)
        {
        }

        problem = $"must be a JSON array of strings, like [\"a\", \"b\"], not {text}";
        return null;
    }
}
