using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace OmniFlow.Tests.Api;

/// <summary>One operation of the OpenAPI document: the answers it lists and the security schemes it requires.</summary>
internal sealed record DocumentedOperation(string Method, string Path, IReadOnlySet<int> Statuses, IReadOnlyList<string> Schemes, bool HasBody)
{
    private readonly Regex pattern = new("^" + Regex.Replace(Regex.Escape(Path), @"\\\{[^/]+?\}", "[^/]+") + "$");

    public string Name => $"{Method} {Path}";

    public bool Matches(HttpMethod method, string path) => string.Equals(method.Method, Method, StringComparison.OrdinalIgnoreCase) && pattern.IsMatch(path);

    /// <summary>The path with every parameter filled in with <paramref name="value"/>.</summary>
    public string PathWith(string value) => Regex.Replace(Path, @"\{[^/]+?\}", value);

    public static IReadOnlyList<DocumentedOperation> Read(JsonElement document) =>
    [
        .. from path in document.GetProperty("paths").EnumerateObject()
           from operation in path.Value.EnumerateObject()
           select new DocumentedOperation(
               operation.Name.ToUpperInvariant(),
               path.Name,
               operation.Value.GetProperty("responses").EnumerateObject().Select(response => int.Parse(response.Name, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet(),
               operation.Value.TryGetProperty("security", out var security)
                   ? [.. security.EnumerateArray().SelectMany(requirement => requirement.EnumerateObject().Select(scheme => scheme.Name))]
                   : [],
               operation.Value.TryGetProperty("requestBody", out _)),
    ];
}

/// <summary>Every answer a client got, by the documented operation it was for (an answer no operation matches is kept apart).</summary>
internal sealed class AnswerLog(IReadOnlyList<DocumentedOperation> operations) : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<int, bool>> answered = new();

    public IReadOnlySet<int> For(DocumentedOperation operation) =>
        answered.TryGetValue(operation.Name, out var statuses) ? statuses.Keys.ToHashSet() : [];

    public IReadOnlyList<string> Unmatched { get; private set; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var path = request.RequestUri!.AbsolutePath;
        var operation = operations.FirstOrDefault(candidate => candidate.Matches(request.Method, path));
        if (operation is null)
        {
            Unmatched = [.. Unmatched, $"{request.Method} {path}"];
        }
        else
        {
            answered.GetOrAdd(operation.Name, _ => new()).TryAdd((int)response.StatusCode, true);
        }

        return response;
    }
}
