# Portail ACI — production image. The generated templ files are committed, so
# a plain go build is enough.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/aci ./cmd/aci

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates chromium \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 aci
COPY --from=build /out/aci /usr/local/bin/aci
USER aci
ENV ADDR=0.0.0.0:8080 LOG_FORMAT=json
EXPOSE 8080
# Apply migrations and reference data, then serve.
CMD ["sh", "-c", "aci migrate && aci seed && exec aci serve"]
