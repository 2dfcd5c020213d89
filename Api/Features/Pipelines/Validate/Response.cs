namespace Ductus.Api.Features.Pipelines.Validate;

/// <summary>Only ever true: an invalid spec is answered with a 400 problem listing its errors.</summary>
public sealed record Response(bool Valid);
