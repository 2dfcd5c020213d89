using FastEndpoints;
using FluentValidation;

namespace Ductus.Api.Features.Pipelines.SetEnabled;

public sealed class Request
{
    public string Name { get; set; } = string.Empty;

    /// <summary>False pauses the pipeline's schedule; true resumes it. Required.</summary>
    public bool? Enabled { get; set; }

    public sealed class Validator : Validator<Request>
    {
        public Validator() =>
            RuleFor(r => r.Enabled).NotNull().WithMessage("enabled is required: true resumes the schedule, false pauses it.");
    }
}
