"""The kinds of service mlws manages, one package each: `new_webservice` is the New (Resource Manager,
Microsoft.MachineLearning/webServices) web service with its commitment plans, BES and RRS."""
