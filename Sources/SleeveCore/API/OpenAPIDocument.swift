/// The OpenAPI 3 description of Sleeve's HTTP API, served at `GET /api/openapi.json`.
enum OpenAPIDocument {
    // TODO: describe every endpoint; this stub only names the API.
    static let json = #"{"openapi":"3.0.3","info":{"title":"Sleeve","version":"0.1.0"},"paths":{}}"#
}
