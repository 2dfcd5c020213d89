using Ductus.Core.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class ServiceTokenSetup
{
    /// <summary>Binds <see cref="ServiceTokenOptions"/> and refuses to start without a usable key (Api and analytics worker alike).</summary>
    public static TBuilder AddServiceTokenOptions<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ServiceTokenOptions>().BindConfiguration(ServiceTokenOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ServiceTokenOptions>, ServiceTokenOptionsValidator>();
        return builder;
    }
}
