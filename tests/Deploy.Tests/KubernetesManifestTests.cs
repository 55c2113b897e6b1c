using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using CommunityScale.Gateway.Auth;
using CommunityScale.Gateway.Hosting;
using CommunityScale.Hosting;
using CommunityScale.Options;
using CommunityScale.Silo.Hosting;
using CommunityScale.Silo.Storage;
using CommunityScale.TestSupport;
using YamlDotNet.RepresentationModel;

namespace CommunityScale.Deploy.Tests;

/// <summary>
/// There is no cluster or Docker engine here, so the manifests are checked for what would break a deployment: shape,
/// images the Dockerfiles build, ports and settings the programs actually read, probes, grace periods, references.
/// </summary>
[Trait("Area", "Cluster")]
public sealed partial class KubernetesManifestTests
{
    private static readonly string K8s = Path.Combine(RepoPaths.Root, "deploy", "k8s");

    private static readonly List<(string File, YamlMappingNode Doc)> Docs = Directory.GetFiles(K8s, "*.yaml").Order()
        .SelectMany(file =>
        {
            var stream = new YamlStream();
            using var reader = new StreamReader(file);
            stream.Load(reader);
            return stream.Documents.Select(d => (Path.GetFileName(file), (YamlMappingNode)d.RootNode));
        }).ToList();

    private static string? Scalar(YamlNode node, params string[] path)
    {
        var current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next))
            {
                return null;
            }

            current = next;
        }

        return (current as YamlScalarNode)?.Value;
    }

    private static YamlNode? Node(YamlNode node, params string[] path)
    {
        var current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next))
            {
                return null;
            }

            current = next;
        }

        return current;
    }

    private static IEnumerable<YamlMappingNode> Items(YamlNode? sequence) => (sequence as YamlSequenceNode)?.Children.Cast<YamlMappingNode>() ?? [];

    private static IEnumerable<YamlMappingNode> OfKind(string kind) => Docs.Where(d => Scalar(d.Doc, "kind") == kind).Select(d => d.Doc);

    private static YamlMappingNode Deployment(string name) => OfKind("Deployment").Single(d => Scalar(d, "metadata", "name") == name);

    private static YamlMappingNode Container(YamlMappingNode deployment) => Items(Node(deployment, "spec", "template", "spec", "containers")).Single();

    private static Dictionary<string, string?> Env(YamlMappingNode container) =>
        Items(Node(container, "env")).ToDictionary(e => Scalar(e, "name")!, e => Scalar(e, "value"));

    private static int Port(YamlMappingNode container, string name) =>
        int.Parse(Items(Node(container, "ports")).Single(p => Scalar(p, "name") == name).Children[new YamlScalarNode("containerPort")].ToString(), CultureInfo.InvariantCulture);

    [Fact]
    public void Every_manifest_document_names_its_api_version_kind_and_name()
    {
        Assert.True(Docs.Count >= 10, $"only {Docs.Count} documents under deploy/k8s");
        Assert.All(Docs, d =>
        {
            Assert.False(string.IsNullOrEmpty(Scalar(d.Doc, "apiVersion")), $"{d.File}: apiVersion");
            Assert.False(string.IsNullOrEmpty(Scalar(d.Doc, "kind")), $"{d.File}: kind");
            Assert.Matches("^[a-z0-9-]+$", Scalar(d.Doc, "metadata", "name") ?? "");
        });
    }

    [Fact]
    public void Our_images_are_the_ones_the_dockerfiles_build()
    {
        var built = Directory.GetFiles(Path.Combine(RepoPaths.Root, "deploy", "docker"), "*.Dockerfile")
            .Select(f => ImageTitle().Match(File.ReadAllText(f)).Groups[1].Value).ToHashSet();
        Assert.Equal(["communityscale/gateway", "communityscale/silo"], built.Order());
        var ours = OfKind("Deployment").Select(Container).Select(c => Scalar(c, "image")!).Where(i => i.StartsWith("communityscale/", StringComparison.Ordinal));
        Assert.Equal(built.Order(), ours.Select(i => i.Split(':')[0]).Order());
    }

    [Fact]
    public void Deployments_select_their_own_pods_and_services_and_autoscalers_point_at_what_exists()
    {
        foreach (var deployment in OfKind("Deployment"))
        {
            var selector = (YamlMappingNode)Node(deployment, "spec", "selector", "matchLabels")!;
            var labels = (YamlMappingNode)Node(deployment, "spec", "template", "metadata", "labels")!;
            Assert.All(selector.Children, kv => Assert.Equal(kv.Value, labels.Children[kv.Key]));
        }

        foreach (var service in OfKind("Service"))
        {
            var selector = (YamlMappingNode)Node(service, "spec", "selector")!;
            var target = OfKind("Deployment").Single(d => selector.Children.All(kv =>
                ((YamlMappingNode)Node(d, "spec", "template", "metadata", "labels")!).Children.TryGetValue(kv.Key, out var v) && v.Equals(kv.Value)));
            var containerPorts = Items(Node(Container(target), "ports")).Select(p => Scalar(p, "containerPort")).ToList();
            Assert.All(Items(Node(service, "spec", "ports")), p => Assert.Contains(Scalar(p, "targetPort"), containerPorts));
        }

        var deployments = OfKind("Deployment").Select(d => Scalar(d, "metadata", "name")).ToList();
        Assert.Equal(2, OfKind("HorizontalPodAutoscaler").Count());
        Assert.All(OfKind("HorizontalPodAutoscaler"), h => Assert.Contains(Scalar(h, "spec", "scaleTargetRef", "name"), deployments));
    }

    [Theory]
    [InlineData("communityscale-silo")]
    [InlineData("communityscale-gateway")]
    public void Probes_hit_the_health_endpoints_on_the_port_the_program_listens_on(string name)
    {
        var container = Container(Deployment(name));
        var urls = Env(container)["Urls"]!;
        var http = Port(container, "http");
        Assert.Equal($"http://+:{http}", urls);
        Assert.Equal("/health/ready", Scalar(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal("/health/live", Scalar(container, "livenessProbe", "httpGet", "path"));
        Assert.Equal(http.ToString(CultureInfo.InvariantCulture), Scalar(container, "readinessProbe", "httpGet", "port"));
        Assert.Equal(http.ToString(CultureInfo.InvariantCulture), Scalar(container, "livenessProbe", "httpGet", "port"));
        Assert.Contains($"EXPOSE {http}", File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "docker", $"{name.Split('-')[1]}.Dockerfile")), StringComparison.Ordinal);
    }

    [Fact]
    public void Silo_ports_and_cluster_identity_agree_with_what_the_silo_and_gateways_read()
    {
        var silo = Container(Deployment("communityscale-silo"));
        var env = Env(silo);
        Assert.Equal(Port(silo, "silo").ToString(CultureInfo.InvariantCulture), env["Orleans__SiloPort"]);
        Assert.Equal(Port(silo, "gateway").ToString(CultureInfo.InvariantCulture), env["Orleans__GatewayPort"]);
        Assert.Equal("true", env["Orleans__Kubernetes"]);
        foreach (var variable in new[] { "POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_CLUSTER_ID", "ORLEANS_SERVICE_ID" })
        {
            Assert.True(env.ContainsKey(variable), $"the silo needs {variable} for Kubernetes hosting");
        }

        var config = OfKind("ConfigMap").Single();
        var labels = (YamlMappingNode)Node(Deployment("communityscale-silo"), "spec", "template", "metadata", "labels")!;
        Assert.Equal(Scalar(config, "data", "Orleans__ClusterId"), labels.Children[new YamlScalarNode("orleans/clusterId")].ToString());
        Assert.Equal(Scalar(config, "data", "Orleans__ServiceId"), labels.Children[new YamlScalarNode("orleans/serviceId")].ToString());
        // The shared settings name providers the programs accept.
        var providers = ProviderSettings.From(k => Scalar(config, "data", k.Replace(":", "__", StringComparison.Ordinal)));
        Assert.Equal(ClusteringProvider.Redis, providers.Clustering);
        var redisService = OfKind("Service").Single(s => Scalar(s, "metadata", "name") == providers.RedisConnectionString!.Split(':')[0]);
        Assert.Equal(providers.RedisConnectionString!.Split(':')[1], Scalar(Items(Node(redisService, "spec", "ports")).Single(), "port"));
    }

    [Fact]
    public void Every_silo_at_full_scale_owns_a_stream_queue()
    {
        // Queues are spread over the silos, and a silo without one delivers no stream events: the capacity model's silos
        // would then not all share the fan-out's silo side.
        var queues = int.Parse(Scalar(OfKind("ConfigMap").Single(), "data", "Orleans__StreamQueueCount")!, CultureInfo.InvariantCulture);
        var silos = int.Parse(Scalar(OfKind("HorizontalPodAutoscaler").Single(h => Scalar(h, "spec", "scaleTargetRef", "name") == "communityscale-silo"),
            "spec", "maxReplicas")!, CultureInfo.InvariantCulture);
        Assert.True(queues >= silos, $"{queues} stream queues for up to {silos} silos");
    }

    [Fact]
    public void The_silo_grace_period_covers_its_drain()
    {
        var deployment = Deployment("communityscale-silo");
        var grace = int.Parse(Scalar(deployment, "spec", "template", "spec", "terminationGracePeriodSeconds")!, CultureInfo.InvariantCulture);
        var drain = TimeSpan.Parse(Env(Container(deployment))["HostOptions__ShutdownTimeout"]!, CultureInfo.InvariantCulture);
        Assert.True(drain.TotalSeconds + 5 <= grace, $"drain {drain} does not fit the {grace} s grace period");
    }

    [Fact]
    public void Every_environment_variable_is_a_setting_the_programs_read()
    {
        var known = KnownSettings();
        var names = OfKind("Deployment").Where(d => Scalar(d, "metadata", "name")!.StartsWith("communityscale-", StringComparison.Ordinal)
                && Scalar(Container(d), "image")!.StartsWith("communityscale/", StringComparison.Ordinal))
            .SelectMany(d => Env(Container(d)).Keys)
            .Concat(OfKind("ConfigMap").SelectMany(c => ((YamlMappingNode)Node(c, "data")!).Children.Keys.Select(k => k.ToString())));
        Assert.All(names, name =>
        {
            var key = name.Replace("__", ":", StringComparison.Ordinal);
            Assert.True(known.Contains(key) || KubernetesHostingVariables.Contains(name), $"{name} is not a setting the silo or gateway reads");
        });
    }

    [Fact]
    public void Referenced_secrets_are_documented_for_operators()
    {
        var operations = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "operations.md"));
        var secrets = OfKind("Deployment").SelectMany(d => Items(Node(Container(d), "env")))
            .Select(e => Scalar(e, "valueFrom", "secretKeyRef", "name")).OfType<string>().Distinct().ToList();
        Assert.NotEmpty(secrets);
        Assert.All(secrets, s => Assert.Contains($"kubectl create secret generic {s}", operations, StringComparison.Ordinal));
    }

    private static readonly HashSet<string> KubernetesHostingVariables = ["POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_CLUSTER_ID", "ORLEANS_SERVICE_ID"];

    /// <summary>Every key the programs bind: options classes by their sections, the provider switches, and ASP.NET's own.</summary>
    private static HashSet<string> KnownSettings()
    {
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            ProviderSettings.ClusteringKey, ProviderSettings.StorageKey, ProviderSettings.RemindersKey, ProviderSettings.RedisKey,
            "Urls", "HostOptions:ShutdownTimeout",
        };
        void Add(Type options, string section)
        {
            foreach (var property in options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            {
                keys.Add($"{section}:{property.Name}");
            }
        }

        Add(typeof(ChatOptions), ChatOptions.Section);
        Add(typeof(PresenceOptions), PresenceOptions.Section);
        Add(typeof(SiloEndpointOptions), SiloEndpointOptions.Section);
        Add(typeof(AzureTableStorageOptions), AzureTableStorageOptions.Section);
        Add(typeof(AuthOptions), AuthOptions.Section);
        Add(typeof(GatewayOptions), GatewayOptions.Section);
        Add(typeof(ClusterClientOptions), ClusterClientOptions.Section);

        // Orleans' own failure detection, bound by the silo ("Orleans:Membership", "Orleans:Messaging") and the gateway's
        // client ("Orleans:Messaging").
        Add(typeof(Orleans.Configuration.ClusterMembershipOptions), "Orleans:Membership");
        Add(typeof(Orleans.Configuration.SiloMessagingOptions), "Orleans:Messaging");
        Add(typeof(Orleans.Configuration.ClientMessagingOptions), "Orleans:Messaging");
        return keys;
    }

    [GeneratedRegex("LABEL org\\.opencontainers\\.image\\.title=\"([^\"]+)\"")]
    private static partial Regex ImageTitle();
}
