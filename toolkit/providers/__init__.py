"""The kinds of service mlws manages, one package each, and the registry of their definition kinds.

`new_webservice` is the New (Resource Manager, Microsoft.MachineLearning/webServices) web service with its
commitment plans, BES and RRS. A new kind is a package of its own plus one line in KINDS: the offline commands
(validate, import, edit, normalize, diff of two files) read each file as the first kind that recognises it.
"""

from toolkit.providers.new_webservice.definition import KIND as NEW_WEBSERVICE

KINDS = (NEW_WEBSERVICE,)
