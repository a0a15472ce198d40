package routes

// MaxBodyBytes bounds a request body; API Gateway allows far more, the API needs far less.
const MaxBodyBytes = 16 << 10

// ErrorBody is the one shape of every error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail carries a stable code and a message for the developer.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// HealthStatus is the body of GET /health, for Route 53 health checks and people.
type HealthStatus struct {
	Status string `json:"status"` // "ok" or "unavailable"
	Region string `json:"region"`
}
