"""Classic web services (Azure ML Studio classic): a web service's endpoints, managed through the non-ARM
management API (`https://{region}management.azureml.net/workspaces/{ws}/webservices/{id}/endpoints/{name}`)
with the workspace's authorization token. The other provider, toolkit.providers.new_webservice, manages
the New (Resource Manager) web services; the two share only what toolkit/ holds for every provider."""
