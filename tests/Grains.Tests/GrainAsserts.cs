using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Notifications;

namespace CommunityScale.Grains.Tests;

/// <summary>What grain tests check again and again: a refusal's code, a user's notices of one kind.</summary>
internal static class GrainAsserts
{
    public static async Task AssertRefused(string code, Func<Task> act) =>
        Assert.Equal(code, (await Assert.ThrowsAsync<CommunityException>(act)).Code);

    public static async Task<IReadOnlyList<Notification>> Notices(this IGrainFactory grains, Actor who, string kind) =>
        [.. (await grains.GetGrain<INotificationInboxGrain>(who.UserId).List(null, 50)).Items.Where(n => n.Kind == kind)];
}
