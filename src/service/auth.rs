//! Optional bearer-token authentication: every RPC but the health check must carry
//! `authorization: Bearer <token>`; tokens are compared in constant time.

use std::sync::Arc;

use subtle::ConstantTimeEq;
use tonic::service::Interceptor;
use tonic::{Request, Status};

use super::ServiceError;

/// Checks the bearer token of each request (or lets everything through when off).
#[derive(Clone, Default)]
pub struct BearerAuth {
    token: Option<Arc<[u8]>>,
}

impl std::fmt::Debug for BearerAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerAuth")
            .field("enabled", &self.token.is_some())
            .finish()
    }
}

impl BearerAuth {
    /// Requires `token` when it is `Some`.
    pub fn new(token: Option<String>) -> Self {
        Self {
            token: token.map(|t| Arc::from(t.trim().as_bytes())),
        }
    }

    fn check(&self, request: &Request<()>) -> Result<(), ServiceError> {
        let Some(expected) = &self.token else {
            return Ok(());
        };
        let header =
            request
                .metadata()
                .get("authorization")
                .ok_or(ServiceError::Unauthenticated(
                    "missing authorization header",
                ))?;
        let presented =
            header
                .as_bytes()
                .strip_prefix(b"Bearer ")
                .ok_or(ServiceError::Unauthenticated(
                    "authorization header must be `Bearer <token>`",
                ))?;
        if bool::from(presented.ct_eq(expected)) {
            Ok(())
        } else {
            Err(ServiceError::Unauthenticated("invalid bearer token"))
        }
    }
}

impl Interceptor for BearerAuth {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        self.check(&request)?;
        Ok(request)
    }
}
