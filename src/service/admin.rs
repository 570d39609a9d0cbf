//! `docclass.v1.AdminService`: operations on a running server (model reload).

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::{convert, ServiceError};
use crate::model::ReloadableModelSet;
use crate::pb;

/// Reloads the model directory on request.
#[derive(Debug, Clone)]
pub struct AdminService {
    store: Arc<ReloadableModelSet>,
}

impl AdminService {
    /// Admin operations on `store`.
    pub fn new(store: Arc<ReloadableModelSet>) -> Self {
        Self { store }
    }
}

#[tonic::async_trait]
impl pb::admin_service_server::AdminService for AdminService {
    async fn reload_models(
        &self,
        _request: Request<pb::ReloadModelsRequest>,
    ) -> Result<Response<pb::ReloadModelsResponse>, Status> {
        let store = Arc::clone(&self.store);
        let reloaded = tokio::task::spawn_blocking(move || store.reload())
            .await
            .map_err(|_| ServiceError::Internal("reload task failed"))?;
        match reloaded {
            Ok(models) => {
                tracing::info!(dir = %self.store.dir().display(), "models reloaded by AdminService");
                Ok(Response::new(pb::ReloadModelsResponse {
                    models: convert::model_info(&models).models,
                }))
            }
            Err(error) => {
                tracing::error!(%error, "model reload failed; previous models still serving");
                Err(ServiceError::from(error).into())
            }
        }
    }
}
