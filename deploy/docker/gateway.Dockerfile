# The gateway image. Build from the repository root: docker build -f deploy/docker/gateway.Dockerfile -t communityscale/gateway .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# The browser client's libraries (SignalR, Chart.js) come from npm at build time (no CDN at run time).
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund && dotnet publish Gateway/Gateway.csproj -c Release -o /app --no-self-contained

FROM mcr.microsoft.com/dotnet/aspnet:10.0
LABEL org.opencontainers.image.title="communityscale/gateway"
WORKDIR /app
COPY --from=build /app .
# 8080: the page, REST, the hub (/hubs/community) and health.
ENV Urls=http://+:8080
# Two glibc malloc arenas, not 8 per core: the runtime's native heap otherwise keeps growing across arenas under
# load (docs/operations.md, "Memory").
ENV MALLOC_ARENA_MAX=2
EXPOSE 8080
USER app
ENTRYPOINT ["dotnet", "CommunityScale.Gateway.dll"]
