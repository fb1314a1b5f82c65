using OmniFlow.Api;

if (HealthProbe.IsRequested(args))
{
    return await HealthProbe.RunAsync(args);
}

var app = ApiApp.Build(args);
await ApiApp.RunAsync(app);
return 0;
