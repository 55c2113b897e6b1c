using System.Net.Http.Json;
using System.Text.Json;

namespace CommunityScale.Bench;

/// <summary>The few REST calls a load run needs: dev sign-in and setting up a community.</summary>
internal static class Http
{
    public static async Task<string> Token(HttpClient http, string userId)
    {
        var response = await http.PostAsJsonAsync("/api/auth/dev-token", new { userId, displayName = userId });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    /// <summary>A fresh community with one channel, owned by a bench user.</summary>
    public static async Task CreateChannel(HttpClient http, string community, string channel)
    {
        var owner = await Token(http, "bench-owner");
        await Post(http, owner, "/api/communities", new { id = community, name = "Bench" });
        await Post(http, owner, $"/api/communities/{community}/channels", new { id = channel, name = channel });
    }

    /// <summary>Communities and their channels, owned by a bench user (a community holds at most 500 channels).</summary>
    public static async Task CreateChannels(HttpClient http, IReadOnlyList<ChannelTarget> targets)
    {
        var owner = await Token(http, "bench-owner");
        foreach (var community in targets.Select(t => t.Community).Distinct())
        {
            await Post(http, owner, "/api/communities", new { id = community, name = "Bench" });
        }

        await Parallel.ForEachAsync(targets, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (t, _) =>
            await Post(http, owner, $"/api/communities/{t.Community}/channels", new { id = t.Channel, name = t.Channel }));
    }

    public static async Task Post(HttpClient http, string token, string path, object? body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        (await http.SendAsync(request)).EnsureSuccessStatusCode();
    }
}
