"""Metadata filters: the builder, raw dicts, list files with a filter, a filtered chat, and what a bad
filter reports before anything is sent.

Run: python examples/filters.py   (see _endpoint.py for the endpoint it talks to)
"""

from __future__ import annotations

from _endpoint import DATA, endpoint, unique_name
from pinecone_assistant import AssistantClient, ClientValidationError
from pinecone_assistant.filter import Field, FilterError, validate_filter

FILES = {
    "handbook.md": {"team": "hr", "year": 2026, "tags": ["policy", "people"]},
    "travel-policy.txt": {"team": "finance", "year": 2025, "tags": ["policy", "travel"]},
    "red-pine.md": {"team": "research", "year": 2024},
}


def main() -> None:
    # The builder writes the JSON form; & is $and, | is $or.
    policies = (Field("tags") == "policy") & (Field("year") >= 2026)
    print(f"builder: {policies.to_dict()}")
    print(f"in: {Field('team').is_in(['hr', 'finance']).to_dict()}")

    # A raw dict is checked the same way; errors name the path and the broken rule.
    try:
        validate_filter({"$and": [{"team": "hr"}, {"year": {"$gt": "2025"}}]})
    except FilterError as exc:
        print(f"invalid filter: {exc}")

    with endpoint() as ep, AssistantClient(api_key=ep.api_key, control_host=ep.host) as client:
        name = unique_name("filters")
        client.create_assistant(name)
        try:
            assistant = client.assistant(name)
            for file_name, metadata in FILES.items():
                assistant.upload_file(DATA / file_name, metadata=metadata)

            hr_or_finance = Field("team").is_in(["hr", "finance"])
            print(f"list hr|finance: {sorted(f.name for f in assistant.list_files(filter=hr_or_finance))}")
            recent = {"year": {"$gte": 2025}}
            print(f"list year>=2025: {sorted(f.name for f in assistant.list_files(filter=recent))}")

            # Only files that match the filter can be cited.
            question = "What is the policy for hotels and vacation?"
            answer = assistant.chat(question, filter=Field("team") == "finance")
            cited = {ref.file.name for citation in answer.citations for ref in citation.references}
            print(f"chat team=finance cites: {sorted(cited)}")

            # The client checks a filter before sending the request.
            try:
                assistant.chat(question, filter={"team": {"$regex": "^h"}})
            except ClientValidationError as exc:
                print(f"rejected before sending: {exc}")
        finally:
            client.delete_assistant(name)


if __name__ == "__main__":
    main()
