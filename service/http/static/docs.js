// Swagger UI (vendored: static/vendor/swagger-ui) rendering this server's own OpenAPI spec.
"use strict";
window.addEventListener("DOMContentLoaded", () => {
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, tryItOutEnabled: false });
});
