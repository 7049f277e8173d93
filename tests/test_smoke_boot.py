def test_home_shows_the_article(client, article):
    response = client.get("/")
    assert response.status_code == 200
    assert b"A Test Article About the Future" in response.data
