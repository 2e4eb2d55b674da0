"""Small sources.yaml texts shared by the ingest/ops tests."""


def contact_sources_yaml(*names: str) -> str:
    """One CSV contact source per name: landing glob `<name>/*.csv`, columns ID and Name, key on ID."""
    blocks = [
        f"""  - name: {name}
    entity: contact
    glob: "{name}/*.csv"
    primary_key: [source_record_id]
    columns: {{ID: source_record_id, Name: full_name}}
"""
        for name in names
    ]
    return "sources:\n" + "".join(blocks)
