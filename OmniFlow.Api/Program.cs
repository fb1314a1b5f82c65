using OmniFlow.Api;

var app = ApiApp.Build(args);
await ApiApp.RunAsync(app);
