using System.Text.RegularExpressions;
using Ductus.Core.Specs;

namespace Ductus.Core.Pii;

/// <summary>
/// The personal-data classes a contract column can carry (<c>classification: pii.email</c>) and
/// the masks that hide them from callers without the <c>pii:read</c> grant.
/// </summary>
public static partial class PiiClassification
{
    public const string Email = "pii.email";
    public const string Name = "pii.name";
    public const string Phone = "pii.phone";
    public const string Address = "pii.address";
    public const string BirthDate = "pii.birthdate";
    public const string Iban = "pii.iban";
    public const string Ip = "pii.ip";

    /// <summary>What <c>pii: true</c> without a classification means.</summary>
    public const string Other = "pii.other";

    public static IReadOnlyList<string> All { get; } = [Email, Name, Phone, Address, BirthDate, Iban, Ip, Other];

    public static bool IsKnown(string classification) => All.Contains(classification, StringComparer.Ordinal);

    /// <summary>
    /// The column's classification when it is personal data; null when it is not or the spec does
    /// not say (<c>pii: false</c> says it is not, which also stops derived classification).
    /// </summary>
    public static string? Of(ColumnContract column)
    {
        ArgumentNullException.ThrowIfNull(column);
        return column.Pii switch
        {
            false => null,
            true => column.Classification ?? Other,
            null => column.Classification,
        };
    }

    /// <summary>The class a column name suggests (<c>customer_email</c> → <see cref="Email"/>); null when it suggests none.</summary>
    public static string? Suggested(string column)
    {
        ArgumentNullException.ThrowIfNull(column);
        var words = column.ToLowerInvariant();
        return EmailWords().IsMatch(words) ? Email
            : PhoneWords().IsMatch(words) ? Phone
            : IbanWords().IsMatch(words) ? Iban
            : BirthDateWords().IsMatch(words) ? BirthDate
            : IpWords().IsMatch(words) ? Ip
            : AddressWords().IsMatch(words) ? Address
            : NameWords().IsMatch(words) ? Name
            : null;
    }

    // Word boundaries are '_', '-', digits or the ends, so "username" and "filename" are not
    // personal data but "first_name" and "lastname" are; a bare "name" is only the whole column
    // name, so "dataset_name" or "product_name" are left alone.
    [GeneratedRegex(@"(^|[_\-\d])(e_?mail|email_address)([_\-\d]|$)", RegexOptions.CultureInvariant)]
    private static partial Regex EmailWords();

    [GeneratedRegex(@"(^|[_\-\d])(phone|mobile|telephone|tel|msisdn|fax)([_\-\d]|$)", RegexOptions.CultureInvariant)]
    private static partial Regex PhoneWords();

    [GeneratedRegex(@"(^|[_\-\d])(iban|bic|account_number|bank_account)([_\-\d]|$)", RegexOptions.CultureInvariant)]
    private static partial Regex IbanWords();

    [GeneratedRegex(@"(^|[_\-\d])(birth_?date|date_of_birth|dob|birthday|born_on)([_\-\d]|$)", RegexOptions.CultureInvariant)]
    private static partial Regex BirthDateWords();

    [GeneratedRegex(@"(^|[_\-\d])(ip|ip_?address|ipv4|ipv6|client_ip|remote_addr)([_\-\d]|$)", RegexOptions.CultureInvariant)]
    private static partial Regex IpWords();

    [GeneratedRegex(@"(^|[_\-\d])(address|street|street_address|postcode|postal_code|zip|zip_code|home_address)([_\-\d]|$)", RegexOptions.CultureInvariant)]
    private static partial Regex AddressWords();

    [GeneratedRegex(@"^name$|(^|[_\-\d])(first_?name|last_?name|full_?name|surname|given_?name|family_?name|middle_?name|customer_name|person_name|contact_name)([_\-\d]|$)", RegexOptions.CultureInvariant)]
    private static partial Regex NameWords();
}
