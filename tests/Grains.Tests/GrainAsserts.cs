using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Notifications;
using CommunityScale.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CommunityScale.Grains.Tests;

/// <summary>What grain tests check again and again: a refusal's code, a user's notices of one kind, an option out of range.</summary>
internal static class GrainAsserts
{
    public static async Task AssertRefused(string code, Func<Task> act) =>
        Assert.Equal(code, (await Assert.ThrowsAsync<CommunityException>(act)).Code);

    public static async Task<IReadOnlyList<Notification>> Notices(this IGrainFactory grains, Actor who, string kind) =>
        [.. (await grains.GetGrain<INotificationInboxGrain>(who.UserId).List(null, 50)).Items.Where(n => n.Kind == kind)];

    /// <summary>Binds <typeparamref name="TOptions"/> from <paramref name="section"/> as a silo does, with <paramref name="property"/> set to <paramref name="value"/>, and asserts the silo would refuse it, naming the property.</summary>
    public static void AssertOptionRefused<TOptions>(string section, string property, string value)
        where TOptions : class
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"{section}:{property}"] = value })
            .Build();
        var services = new ServiceCollection();
        services.AddValidatedOptions<TOptions>(config, section);

        using var provider = services.BuildServiceProvider();
        var refused = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<TOptions>>().Value);
        Assert.Contains(property, refused.Message, StringComparison.Ordinal);
    }
}
