namespace OmniFlow.Worker;

/// <summary>The Worker process as one buildable unit, so tests host exactly what <c>Program</c> runs.</summary>
public static class OrderWorkerApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddOrderWorker();

        var app = builder.Build();
        app.MapDefaultEndpoints();
        return app;
    }
}
