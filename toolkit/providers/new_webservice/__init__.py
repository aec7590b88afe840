"""New web services (Azure ML Studio (classic) on Resource Manager: Microsoft.MachineLearning/webServices,
api-version 2017-01-01): the REST client, deploys (plan, update, read back), commitment plans, BES/RRS, retraining."""
