using System.Net;
using System.Net.Http.Json;
using Xunit;

namespace CommunityScale.TestSupport;

/// <summary>Reading REST answers in tests: the expected status (with the body in the failure message), then the typed body.</summary>
public static class Responses
{
    public static async Task<T> Read<T>(this HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>(TestUser.Json))!;
    }

    public static Task<T> Created<T>(this HttpResponseMessage response) => response.Read<T>(HttpStatusCode.Created);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails naming <paramref name="what"/> after <paramref name="timeout"/> (15 s).</summary>
    public static async Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }
}
