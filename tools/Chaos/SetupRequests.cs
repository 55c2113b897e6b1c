using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace CommunityScale.Chaos;

/// <summary>
/// The run's set-up calls (tokens, the community, its channels, joins) as a real client makes them: `unavailable` (503)
/// and a dropped connection are retried, as docs/api.md says to, for up to a minute. A cluster that has just started on
/// a busy machine can refuse its first calls while its silos still settle; that is not what the run measures.
/// </summary>
internal static class SetupRequests
{
    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(60);

    public static async Task<string> Token(HttpClient http, string userId, CancellationToken cancel = default)
    {
        using var response = await Send(http, HttpMethod.Post, "/api/auth/dev-token", new { userId, displayName = userId }, null, cancel);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancel)).GetProperty("token").GetString()!;
    }

    /// <summary>A create; `already_exists` after a retry means the refused-looking first attempt had in fact been applied.</summary>
    public static async Task Create(HttpClient http, string path, object body, CancellationToken cancel = default)
    {
        using var response = await Send(http, HttpMethod.Post, path, body, null, cancel, alreadyExistsIsSuccess: true);
    }

    public static async Task Join(HttpClient http, string community, string token, CancellationToken cancel)
    {
        using var response = await Send(http, HttpMethod.Post, $"/api/communities/{community}/members", null, token, cancel);
    }

    private static async Task<HttpResponseMessage> Send(
        HttpClient http, HttpMethod method, string path, object? body, string? token, CancellationToken cancel, bool alreadyExistsIsSuccess = false)
    {
        var deadline = DateTime.UtcNow + RetryFor;
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            HttpResponseMessage? response = null;
            try
            {
                response = await http.SendAsync(request, cancel);
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (response is not null)
            {
                if (response.IsSuccessStatusCode || (alreadyExistsIsSuccess && attempt > 1 && response.StatusCode == HttpStatusCode.Conflict))
                {
                    return response;
                }

                if (response.StatusCode != HttpStatusCode.ServiceUnavailable || DateTime.UtcNow >= deadline)
                {
                    var text = await response.Content.ReadAsStringAsync(cancel);
                    response.Dispose();
                    throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text} (attempt {attempt})");
                }

                response.Dispose();
            }

            // Back off a little more each time, as a client should, up to 2 s between attempts.
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 200 * attempt)), cancel);
        }
    }
}
