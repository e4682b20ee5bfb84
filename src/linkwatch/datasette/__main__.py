from . import metadata_path

print(metadata_path())
