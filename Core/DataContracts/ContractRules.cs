using System.Globalization;
using System.Text.Json;
using Ductus.Core.Specs;

namespace Ductus.Core.DataContracts;

/// <summary>
/// One rule of a contract as people see it: its name as rejects carry it (<see cref="ContractSql"/>
/// names them), the column it checks (null for a row rule, <c>unique_key</c> and <c>parse</c>),
/// the kind of check and its parameter as text.
/// </summary>
/// <param name="Check">
/// <c>required</c>, <c>type</c>, <c>min</c>, <c>max</c>, <c>pattern</c>, <c>accepted_values</c>,
/// <c>max_length</c>, <c>unique</c>, <c>sql</c> (a row rule), <c>unique_key</c> or <c>parse</c>.
/// </param>
/// <param name="Definition">
/// The parameter as text (<see cref="ContractRules.DefinitionOf"/>); null when the contract no
/// longer defines the rule or the rule has none (<c>parse</c>).
/// </param>
public sealed record ContractRule(string Name, string? Column, string Check, string? Definition, string? Description);

/// <summary>
/// The names, kinds and parameters of a contract's rules. The rejects page groups by these names,
/// and the rule what-if edits a rule by its name and its parameter as text.
/// </summary>
public static class ContractRules
{
    /// <summary>The checks a column can carry, as the suffix of the rule's name (<c>iata.pattern</c>).</summary>
    public static readonly IReadOnlyList<string> ColumnChecks = ["required", "type", "min", "max", "pattern", "accepted_values", "max_length", "unique"];

    /// <summary>The rule of rows the source's reader could not parse.</summary>
    public const string Parse = "parse";

    public const string UniqueKey = "unique_key";

    /// <summary>The check of a row rule, whose parameter is its SQL.</summary>
    public const string RowRule = "sql";

    /// <summary>
    /// A PostgreSQL regular expression whose first group is the column of a column rule's name,
    /// so rejects can be grouped by column in SQL with the same reading as <see cref="Describe"/>.
    /// </summary>
    public static string ColumnOfRulePattern => $@"^(.+)\.(?:{string.Join('|', ColumnChecks)})$";

    /// <summary>Every rule <paramref name="contract"/> defines, in the order <see cref="ContractSql"/> compiles them.</summary>
    /// <remarks>A typed column is listed with its <c>type</c> rule, which the engine checks only when the transform produced another type.</remarks>
    public static IReadOnlyList<ContractRule> List(ContractSpec? contract)
    {
        var rules = new List<ContractRule>();
        if (contract is null)
        {
            return rules;
        }

        foreach (var column in contract.Columns)
        {
            foreach (var check in ColumnChecks)
            {
                if (DefinitionOf(column, check) is { } definition)
                {
                    rules.Add(new ContractRule($"{column.Name}.{check}", column.Name, check, definition, column.Description));
                }
            }
        }

        rules.AddRange(contract.Rules.Select(r => new ContractRule(r.Name, null, RowRule, r.Sql.Trim(), r.Description)));
        if (contract.UniqueKey.Count > 0)
        {
            rules.Add(new ContractRule(UniqueKey, null, UniqueKey, JsonSerializer.Serialize(contract.UniqueKey), null));
        }

        return rules;
    }

    /// <summary>
    /// What a reject's rule name means under <paramref name="contract"/>: the contract's own rule,
    /// or, for a name it no longer defines, what the name says (a column check, <c>parse</c>,
    /// <c>unique_key</c>, else a row rule) without a definition.
    /// </summary>
    public static ContractRule Describe(string rule, ContractSpec? contract)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (List(contract).FirstOrDefault(r => r.Name == rule) is { } defined)
        {
            return defined;
        }

        var dot = rule.LastIndexOf('.');
        if (dot > 0 && ColumnChecks.Contains(rule[(dot + 1)..]))
        {
            var column = rule[..dot];
            var description = contract?.Columns.FirstOrDefault(c => c.Name == column)?.Description;
            return new ContractRule(rule, column, rule[(dot + 1)..], null, description);
        }

        return rule is Parse or UniqueKey
            ? new ContractRule(rule, null, rule, null, null)
            : new ContractRule(rule, null, RowRule, null, null);
    }

    /// <summary>
    /// A column check's parameter as text, null when the column does not have the check:
    /// <c>true</c> for required and unique, the type's name, the bound as written, the pattern,
    /// the accepted values as a JSON array of strings, the length as a number.
    /// </summary>
    public static string? DefinitionOf(ColumnContract column, string check)
    {
        ArgumentNullException.ThrowIfNull(column);
        return check switch
        {
            "required" => column.Required ? "true" : null,
            "type" => column.Type,
            "min" => column.Min,
            "max" => column.Max,
            "pattern" => column.Pattern,
            "accepted_values" => column.AcceptedValues is { Count: > 0 } accepted ? JsonSerializer.Serialize(accepted) : null,
            "max_length" => column.MaxLength?.ToString(CultureInfo.InvariantCulture),
            "unique" => column.Unique ? "true" : null,
            _ => null,
        };
    }
}
